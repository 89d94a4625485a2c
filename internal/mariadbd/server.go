// Package mariadbd starts MariaDB servers that a test owns, in a temporary
// directory on loopback: a single server the test may kill with SIGKILL and
// start again on the same data (chaos tests), and three-node Galera
// clusters (cluster.go). The servers go away when the test ends.
//
// It needs Debian's mariadb-server (and galera-4 and rsync for a cluster).
// Without them a test is skipped, or fails under CI, where .ci/run installs
// them (testdb.NeedTool).
package mariadbd

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"

	"keysync/internal/testdb"
)

// Server is one mariadbd process and its data directory.
type Server struct {
	tb   testing.TB
	name string
	bin  string
	dir  string
	Port int
	// args are the options of every start; first holds those of the first
	// start only (bootstrapping a cluster).
	args, first []string
	started     int
	// recover says the server is a Galera node, which after a crash must
	// find its position in the cluster's history before it starts again.
	recover bool
	// uid and gid own the server's files when it runs as another user
	// than the test (-1: the test's own).
	uid, gid int
	cmd      *exec.Cmd
	done     chan struct{}
}

// tools are the programs a server needs.
type tools struct{ server, installDB string }

func needTools(tb testing.TB) tools {
	tb.Helper()
	t := tools{server: findSbin("mariadbd"), installDB: findSbin("mariadb-install-db")}
	if t.server == "" || t.installDB == "" {
		t.server = testdb.NeedTool(tb, "mariadbd", "mariadb-server")
		t.installDB = testdb.NeedTool(tb, "mariadb-install-db", "mariadb-server")
	}
	return t
}

// findSbin looks a program up in PATH and in /usr/sbin, where Debian puts
// mariadbd and which a user's PATH often lacks.
func findSbin(name string) string {
	if p, err := exec.LookPath(name); err == nil {
		return p
	}
	if p := filepath.Join("/usr/sbin", name); isExecutable(p) {
		return p
	}
	return ""
}

func isExecutable(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && fi.Mode().IsRegular() && fi.Mode()&0o111 != 0
}

// Start initialises a data directory and starts a single server on a free
// port. It is stopped when the test ends.
func Start(tb testing.TB) *Server {
	tb.Helper()
	t := needTools(tb)
	root := tempRoot(tb)
	s := newServer(tb, t, "mariadbd", root, FreePort(tb))
	initDataDir(tb, t, s.dataDir())
	s.first = []string{s.initFile(tb)}
	s.Start()
	return s
}

// tempRoot is a short temporary directory (a socket path must stay under
// about 100 bytes), removed when the test ends.
func tempRoot(tb testing.TB) string {
	tb.Helper()
	dir, err := os.MkdirTemp("/tmp", "ks-mariadbd.")
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { os.RemoveAll(dir) })
	// rsync's daemon, which receives a state transfer, runs as nobody when
	// started by root: it must reach the data directories.
	if err := os.Chmod(dir, 0o755); err != nil {
		tb.Fatal(err)
	}
	return dir
}

func newServer(tb testing.TB, t tools, name, root string, port int) *Server {
	s := &Server{tb: tb, name: name, bin: t.server, dir: filepath.Join(root, name), Port: port, uid: -1, gid: -1}
	if err := os.MkdirAll(s.dataDir(), 0o755); err != nil {
		tb.Fatal(err)
	}
	s.args = []string{"--no-defaults",
		"--datadir=" + s.dataDir(),
		"--socket=" + filepath.Join(s.dir, "sock"),
		"--pid-file=" + filepath.Join(s.dir, "pid"),
		"--log-error=" + s.logFile(),
		"--bind-address=127.0.0.1",
		"--port=" + strconv.Itoa(port),
		"--skip-name-resolve",
		"--character-set-server=utf8mb4",
		"--collation-server=utf8mb4_general_ci",
		"--max-connections=300",
		"--innodb-buffer-pool-size=256M",
		"--innodb-log-file-size=256M",
	}
	if os.Geteuid() == 0 {
		s.args = append(s.args, "--user=root")
	}
	tb.Cleanup(s.stopAtEnd)
	return s
}

func (s *Server) dataDir() string { return filepath.Join(s.dir, "data") }
func (s *Server) logFile() string { return filepath.Join(s.dir, "error.log") }

// own hands path and everything under it to the user the server runs as.
func (s *Server) own(path string) {
	s.tb.Helper()
	if s.uid < 0 {
		return
	}
	err := filepath.WalkDir(path, func(p string, _ os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		return os.Lchown(p, s.uid, s.gid)
	})
	if err != nil {
		s.tb.Fatalf("hand %s to the server's user: %v", path, err)
	}
}

// initDataDir runs mariadb-install-db into dir, with root allowed in over
// TCP from 127.0.0.1 (rootOverTCP).
func initDataDir(tb testing.TB, t tools, dir string) {
	tb.Helper()
	args := []string{"--no-defaults", "--auth-root-authentication-method=normal", "--skip-test-db", "--datadir=" + dir}
	if os.Geteuid() == 0 {
		args = append(args, "--user=root")
	}
	if out, err := exec.Command(t.installDB, args...).CombinedOutput(); err != nil {
		tb.Fatalf("mariadb-install-db: %v\n%s", err, out)
	}
}

// rootOverTCP lets root in over TCP from 127.0.0.1 without a password, as
// the tests connect; the first start runs it (--init-file) and the grant
// stays in the data.
const rootOverTCP = "CREATE USER IF NOT EXISTS 'root'@'127.0.0.1';\nGRANT ALL PRIVILEGES ON *.* TO 'root'@'127.0.0.1' WITH GRANT OPTION;\n"

// initFile writes rootOverTCP beside the data and returns the option that
// runs it.
func (s *Server) initFile(tb testing.TB) string {
	tb.Helper()
	p := filepath.Join(s.dir, "init.sql")
	if err := os.WriteFile(p, []byte(rootOverTCP), 0o644); err != nil {
		tb.Fatal(err)
	}
	return "--init-file=" + p
}

// Start starts the server (again) on its data directory and waits until it
// answers. It is safe to call only while the server is not running.
func (s *Server) Start() {
	s.tb.Helper()
	args := append([]string{}, s.args...)
	if s.started == 0 {
		args = append(args, s.first...)
	} else if s.recover {
		args = append(args, "--wsrep-start-position="+s.recoverPosition())
	}
	s.started++
	s.cmd = exec.Command(s.bin, args...)
	s.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	// Whatever mariadbd says before it opens its error log goes to it too.
	if f, err := os.OpenFile(s.logFile(), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644); err == nil {
		s.cmd.Stdout, s.cmd.Stderr = f, f
		defer f.Close()
		s.own(s.logFile())
	}
	if err := s.cmd.Start(); err != nil {
		s.tb.Fatalf("start %s: %v", s.name, err)
	}
	s.done = make(chan struct{})
	go func(cmd *exec.Cmd, done chan struct{}) {
		_ = cmd.Wait()
		close(done)
	}(s.cmd, s.done)
	s.waitReady(3 * time.Minute)
}

// waitReady waits until the server accepts a query, or fails the test with
// the end of its error log.
func (s *Server) waitReady(timeout time.Duration) {
	s.tb.Helper()
	deadline := time.Now().Add(timeout)
	for {
		err := s.ping()
		if err == nil {
			return
		}
		select {
		case <-s.done:
			s.tb.Fatalf("%s exited during start-up:\n%s", s.name, s.LogTail())
		default:
		}
		if time.Now().After(deadline) {
			s.tb.Fatalf("%s did not answer within %s (%v):\n%s", s.name, timeout, err, s.LogTail())
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// WaitSynced waits until a running server answers queries: a Galera node
// once it is a synced member of the primary component again.
func (s *Server) WaitSynced() {
	s.tb.Helper()
	s.waitReady(3 * time.Minute)
}

// ping runs a query that a Galera node answers only in the primary
// component, and asks a Galera node whether it is synced.
func (s *Server) ping() error {
	db, err := s.open("")
	if err != nil {
		return err
	}
	defer db.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	var one int
	if err := db.QueryRowContext(ctx, `SELECT 1 FROM mysql.user LIMIT 1`).Scan(&one); err != nil {
		return err
	}
	var name, state string
	err = db.QueryRowContext(ctx, `SHOW GLOBAL STATUS LIKE 'wsrep_local_state_comment'`).Scan(&name, &state)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return nil
	case err != nil:
		return err
	case state != "Synced":
		return fmt.Errorf("%s is %s", s.name, state)
	}
	return nil
}

// Kill stops the server with SIGKILL, as a crash or a power cut would, and
// waits for it to be gone.
func (s *Server) Kill() {
	s.tb.Helper()
	if s.cmd == nil || !s.Running() {
		s.tb.Fatalf("kill %s: not running", s.name)
	}
	_ = syscall.Kill(-s.cmd.Process.Pid, syscall.SIGKILL)
	<-s.done
}

// Running reports whether the process is alive.
func (s *Server) Running() bool {
	if s.done == nil {
		return false
	}
	select {
	case <-s.done:
		return false
	default:
		return true
	}
}

func (s *Server) stopAtEnd() {
	if s.Running() {
		_ = s.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-s.done:
		case <-time.After(60 * time.Second):
			_ = syscall.Kill(-s.cmd.Process.Pid, syscall.SIGKILL)
			<-s.done
		}
	}
	if s.tb.Failed() {
		s.tb.Logf("%s error log (end):\n%s", s.name, s.LogTail())
	}
}

// LogTail returns the error log's lines marked ERROR and its last 4 KiB.
func (s *Server) LogTail() string {
	b, err := os.ReadFile(s.logFile())
	if err != nil {
		return err.Error()
	}
	var errs []string
	for _, l := range strings.Split(string(b), "\n") {
		if strings.Contains(l, "ERROR") {
			errs = append(errs, l)
		}
	}
	if len(b) > 4096 {
		b = b[len(b)-4096:]
	}
	return strings.Join(errs, "\n") + "\n...\n" + string(b)
}

// DSN is root's DSN for one database on this server ("" for none).
func (s *Server) DSN(db string) string {
	c := mysql.NewConfig()
	c.User = "root"
	c.Net = "tcp"
	c.Addr = net.JoinHostPort("127.0.0.1", strconv.Itoa(s.Port))
	c.DBName = db
	c.Timeout = 2 * time.Second
	return c.FormatDSN()
}

func (s *Server) open(db string) (*sql.DB, error) {
	pool, err := sql.Open("mysql", s.DSN(db))
	if err != nil {
		return nil, err
	}
	pool.SetMaxOpenConns(2)
	return pool, nil
}

// Open returns a pool on one database of the server, closed when the test
// ends.
func (s *Server) Open(db string) *sql.DB {
	s.tb.Helper()
	pool, err := s.open(db)
	if err != nil {
		s.tb.Fatal(err)
	}
	s.tb.Cleanup(func() { pool.Close() })
	return pool
}

// Exec runs statements as root on the server, failing the test on error.
func (s *Server) Exec(query string, args ...any) {
	s.tb.Helper()
	db, err := s.open("")
	if err != nil {
		s.tb.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(query, args...); err != nil {
		s.tb.Fatalf("%s: %s: %v", s.name, query, err)
	}
}

// FreePort returns a TCP port on 127.0.0.1 that was free a moment ago.
func FreePort(tb testing.TB) int {
	tb.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

func (s *Server) String() string { return fmt.Sprintf("%s on 127.0.0.1:%d", s.name, s.Port) }
