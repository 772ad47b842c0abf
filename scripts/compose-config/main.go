// compose-config: `docker compose config` without Docker. It loads a compose file as Docker
// Compose itself does, through compose-go (the library `docker compose` is built on): the Compose
// Specification's JSON schema, variable interpolation (with the env files given), and the
// project's consistency checks (services that depends_on names, device reservations, …). On
// success it prints the resolved project (all profiles on) as YAML; on failure, the loader's message, exit code 1.
// deploy's test (test/unit/deploy/deploy-files.test.ts) runs it on deploy/compose.yaml.
//
//	go build -o bin/compose-config . && bin/compose-config deploy/compose.yaml deploy/lab.env.example
package main

import (
	"context"
	"fmt"
	"os"

	"github.com/compose-spec/compose-go/v2/cli"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: compose-config <compose.yaml> [env file …]")
		os.Exit(2)
	}
	options, err := cli.NewProjectOptions(
		os.Args[1:2],
		cli.WithEnvFiles(os.Args[2:]...),
		// Reads the env files named above (without any, ./.env where there is one), as compose does.
		cli.WithDotEnv,
		// Every profile on, so that services behind one (the GPU worker) are checked too.
		cli.WithProfiles([]string{"*"}),
	)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	project, err := options.LoadProject(context.Background())
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	out, err := project.MarshalYAML()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	os.Stdout.Write(out)
}
