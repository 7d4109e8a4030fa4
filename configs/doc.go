// Package configs holds the deployment files of AquaML (config.yaml,
// Prometheus, Grafana, Kubernetes) and no code. Its tests read those files,
// the Dockerfile, docker-compose.yaml and Taskfile.yml, and check them
// against the binary they deploy, since no Docker engine or cluster runs the
// tests.
package configs
