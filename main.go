// Command aquaml serves, trains and evaluates fish-species classifiers.
package main

func main() {}
