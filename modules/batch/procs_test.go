package batch_test

import (
	"bufio"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/aquaml/aquaml/app/apptest"
	"github.com/aquaml/aquaml/platform/config"
	"github.com/aquaml/aquaml/platform/testkit/proctest"
)

func TestMain(m *testing.M) { proctest.Main(m) }

// process is an `aquaml worker` subprocess sharing the test App's
// database, Redis and photo folder.
type process struct {
	cmd  *exec.Cmd
	port int
	logs *proctest.Buffer
	done chan struct{}
}

func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// startWorker runs `aquaml worker` against cfg's database and Redis, with
// extra settings, and waits until it is ready. An extra setting set to ""
// is left unset, so the worker uses its default.
func startWorker(t *testing.T, cfg config.Config, extra map[string]string) *process {
	t.Helper()
	bin := proctest.Binary(t)
	p := &process{port: freePort(t), logs: &proctest.Buffer{}, done: make(chan struct{})}
	env := map[string]string{
		"PATH": os.Getenv("PATH"), "HOME": os.Getenv("HOME"), "TMPDIR": os.TempDir(),
		"ENVIRONMENT": "test", "LOG_LEVEL": "INFO", "API_HOST": "127.0.0.1", "API_PORT": strconv.Itoa(p.port),
		"DATABASE_URL": cfg.Database.URL, "SQLITE_PATH": cfg.Database.SQLitePath, "REDIS_URL": cfg.Redis.URL,
		"SECRET_KEY": cfg.Auth.SecretKey, "JWT_SECRET_KEY": cfg.Auth.JWTSecretKey,
		"MODEL_DIR": cfg.Model.Dir, "BATCH_DIR": cfg.Batch.Dir, "BODY_LIMIT_MB": strconv.FormatInt(cfg.HTTP.BodyLimit>>20, 10),
		"BATCH_LEASE": "2s", "BATCH_RECONCILE_INTERVAL": "200ms", "WORKER_CONCURRENCY": "1", "SHUTDOWN_GRACE": "5s",
	}
	for k, v := range extra {
		if v == "" {
			delete(env, k)
			continue
		}
		env[k] = v
	}
	if cfg.Redis.URL == "" {
		t.Fatal("worker subprocesses need a Redis server they can reach")
	}
	p.cmd = exec.Command(bin, "worker")
	p.cmd.Dir = t.TempDir() // no .env or configs/ of the developer's tree
	for k, v := range env {
		p.cmd.Env = append(p.cmd.Env, k+"="+v)
	}
	p.cmd.Stdout, p.cmd.Stderr = p.logs, p.logs
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { p.cmd.Wait(); close(p.done) }()
	t.Cleanup(func() {
		p.kill()
		if t.Failed() {
			t.Logf("worker %d log:\n%s", p.cmd.Process.Pid, p.logs.String())
		}
	})
	deadline := time.Now().Add(45 * time.Second)
	for {
		if res, err := http.Get(p.url("/ready")); err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return p
			}
		}
		select {
		case <-p.done:
			t.Fatalf("worker exited during start-up:\n%s", p.logs.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("worker not ready within 45s:\n%s", p.logs.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func (p *process) url(path string) string { return fmt.Sprintf("http://127.0.0.1:%d%s", p.port, path) }

// kill sends SIGKILL: no shutdown, no cleanup, leases left held.
func (p *process) kill() {
	select {
	case <-p.done:
		return
	default:
	}
	p.cmd.Process.Kill()
	<-p.done
}

// freeze sends SIGSTOP: the process keeps its connections and claims but
// runs no further until thawed or killed.
func (p *process) freeze() { p.cmd.Process.Signal(syscall.SIGSTOP) }

func (p *process) thaw() { p.cmd.Process.Signal(syscall.SIGCONT) }

// id is the marker of this process in the items' worker column.
func (p *process) id() string { return fmt.Sprintf("-%d-", p.cmd.Process.Pid) }

// metric reads one sample from the process's /metrics.
func (p *process) metric(t *testing.T, sample string) float64 {
	t.Helper()
	res, err := http.Get(p.url("/metrics"))
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	sc := bufio.NewScanner(res.Body)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), sample+" "); ok {
			f, err := strconv.ParseFloat(v, 64)
			if err != nil {
				t.Fatal(err)
			}
			return f
		}
	}
	return 0
}

// appMetric reads one sample from the test App's /metrics.
func appMetric(t *testing.T, ta *apptest.TestApp, sample string) float64 {
	t.Helper()
	res := ta.Do("GET", "/metrics", nil, nil)
	for _, line := range strings.Split(string(res.Body), "\n") {
		if v, ok := strings.CutPrefix(line, sample+" "); ok {
			f, _ := strconv.ParseFloat(v, 64)
			return f
		}
	}
	return 0
}
