// Command keysync-demo shows keysync's main job on a MariaDB server: it
// creates a central database, two TYPO3 member portals and a WordPress site
// with sample registrations, runs the keysync binary over them as an operator
// would, and prints what ended up in the portals and which cases wait for an
// admin.
//
//	KEYSYNC_TEST_DSN='root@tcp(127.0.0.1:3306)/' go run ./cmd/keysync-demo -bin bin/keysync
//
// `make demo` builds keysync and provides the server, which it keeps running
// afterwards (`make demo-clean` removes it). The demo's databases are dropped
// and created again on every run and left in place afterwards for a look, and
// so are the files it writes under -out.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	if err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "keysync-demo:", err)
		}
		os.Exit(1)
	}
}

// envServer names the MariaDB server the demo works on: a DSN with the
// right to create and drop databases and no database name.
const envServer = "KEYSYNC_TEST_DSN"

// envKept is set by `.ci/with-mariadb --keep DIR` to DIR when the server is
// one it keeps running after the demo.
const envKept = "WITH_MARIADB_KEPT"

const noServer = envServer + " is not set: run `make demo`, which provides a MariaDB server, or point it at one, e.g. " +
	envServer + "='root@tcp(127.0.0.1:3306)/'"

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("keysync-demo", flag.ContinueOnError)
	fs.SetOutput(stderr)
	bin := fs.String("bin", "bin/keysync", "keysync binary to run (`make build` creates it)")
	out := fs.String("out", "demo-out/files", "folder for the files the demo writes, emptied first")
	clean := fs.String("clean", "", "the command that removes what the demo leaves, to print at the end")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "Usage: keysync-demo [-bin PATH] [-out DIR] [-clean COMMAND]\n\nCreates demo_central and the portals' demo_* databases on the server in "+envServer+
			",\nfills the portals with sample registrations and runs keysync over them.")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	serverDSN := os.Getenv(envServer)
	if serverDSN == "" {
		return errors.New(noServer)
	}
	if _, err := os.Stat(*bin); err != nil {
		return fmt.Errorf("keysync binary %s not found: run `make build` first, or pass -bin", *bin)
	}
	srv, err := openServer(ctx, serverDSN)
	if err != nil {
		return err
	}
	defer srv.Close()
	files, err := emptyFolder(*out)
	if err != nil {
		return err
	}
	d := &demo{srv: srv, bin: *bin, out: stdout, files: files, clean: *clean, kept: os.Getenv(envKept)}
	return d.run(ctx)
}

// emptyFolder creates dir empty, removing what an earlier run left there,
// and returns its absolute path.
func emptyFolder(dir string) (string, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return "", fmt.Errorf("-out %s: %w", dir, err)
	}
	if err := os.RemoveAll(abs); err != nil {
		return "", fmt.Errorf("-out %s: empty it: %w", dir, err)
	}
	if err := os.MkdirAll(abs, 0o755); err != nil {
		return "", fmt.Errorf("-out %s: %w", dir, err)
	}
	return abs, nil
}
