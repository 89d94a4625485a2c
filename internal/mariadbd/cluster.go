package mariadbd

import (
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"keysync/internal/testdb"
)

// provider is where Debian's galera-4 installs the wsrep provider.
const provider = "/usr/lib/galera/libgalera_smm.so"

// Cluster is a Galera cluster of nodes on loopback, each its own mariadbd
// with its own data directory, client port, group communication port
// (gcomm), incremental state transfer port and rsync state transfer port.
type Cluster struct {
	Nodes []*Server
}

// StartCluster starts a cluster of n nodes: the first bootstraps it
// (--wsrep-new-cluster), the others join it by a full state transfer
// (rsync). It returns once every node is synced and answers queries.
func StartCluster(tb testing.TB, n int) *Cluster {
	tb.Helper()
	t := needTools(tb)
	needGalera(tb)
	root := tempRoot(tb)
	gcomm := make([]string, n)
	ports := make([][4]int, n)
	for i := range ports {
		for j := range ports[i] {
			ports[i][j] = FreePort(tb)
		}
		gcomm[i] = "127.0.0.1:" + strconv.Itoa(ports[i][1])
	}
	c := &Cluster{}
	for i := range n {
		s := newServer(tb, t, "node"+strconv.Itoa(i+1), root, ports[i][0])
		s.args = append(s.args, wsrepArgs(s.name, gcomm, ports[i])...)
		s.recover = true
		runAsNobody(tb, s)
		c.Nodes = append(c.Nodes, s)
	}
	first := c.Nodes[0]
	initDataDir(tb, t, first.dataDir())
	first.first = []string{"--wsrep-new-cluster", first.initFile(tb)}
	for _, s := range c.Nodes {
		s.own(s.dir)
	}
	first.Start()
	for _, s := range c.Nodes[1:] {
		s.Start()
	}
	return c
}

// runAsNobody makes a node started by root run as nobody and own its
// directory: rsync's daemon, which receives a state transfer, drops to
// nobody when root starts it and could neither write a root-owned data
// directory nor set its permissions.
func runAsNobody(tb testing.TB, s *Server) {
	tb.Helper()
	if os.Geteuid() != 0 {
		return
	}
	u, err := user.Lookup("nobody")
	if err != nil {
		tb.Fatalf("a Galera node under root runs as nobody: %v", err)
	}
	s.uid, _ = strconv.Atoi(u.Uid)
	s.gid, _ = strconv.Atoi(u.Gid)
	for i, a := range s.args {
		if a == "--user=root" {
			s.args[i] = "--user=nobody"
		}
	}
}

// needGalera fails (CI) or skips the test without the provider and rsync.
func needGalera(tb testing.TB) {
	tb.Helper()
	testdb.NeedTool(tb, "rsync", "rsync")
	testdb.NeedTool(tb, "wsrep_sst_rsync", "mariadb-server")
	if _, err := os.Stat(provider); err != nil {
		if testdb.InCI(tb) {
			tb.Fatalf("%s not found, and CI is set: install galera-4 (.ci/run does)", provider)
		}
		tb.Skipf("%s not found; install galera-4 to run this check", provider)
	}
}

// wsrepArgs are one node's Galera settings: ports are its client, gcomm,
// IST and SST ports. Failure detection is shortened (a killed node is
// declared gone after a few seconds, not fifteen) to keep tests short.
func wsrepArgs(name string, gcomm []string, ports [4]int) []string {
	self := "127.0.0.1:" + strconv.Itoa(ports[1])
	opts := []string{
		"gmcast.listen_addr=tcp://" + self,
		"ist.recv_addr=127.0.0.1:" + strconv.Itoa(ports[2]),
		"gcache.size=128M",
		"evs.suspect_timeout=PT3S",
		"evs.inactive_timeout=PT6S",
		"evs.install_timeout=PT6S",
	}
	return []string{
		"--wsrep-on=ON",
		"--wsrep-provider=" + provider,
		"--wsrep-cluster-name=keysync_test",
		"--wsrep-cluster-address=gcomm://" + strings.Join(gcomm, ","),
		"--wsrep-node-name=" + name,
		"--wsrep-node-address=" + self,
		"--wsrep-provider-options=" + strings.Join(opts, ";"),
		"--wsrep-sst-method=rsync",
		"--wsrep-sst-receive-address=127.0.0.1:" + strconv.Itoa(ports[3]),
		"--binlog-format=ROW",
		"--default-storage-engine=InnoDB",
		"--innodb-autoinc-lock-mode=2",
	}
}

// Isolate cuts node i off the cluster's group communication (or joins it
// again): an isolated node loses quorum and answers every query with
// error 1047 until it is back, and then catches up.
func (c *Cluster) Isolate(i int, on bool) {
	c.Nodes[i].tb.Helper()
	v := "0"
	if on {
		v = "1"
	}
	c.Nodes[i].Exec(`SET GLOBAL wsrep_provider_options = ?`, "gmcast.isolate="+v)
}

var recovered = regexp.MustCompile(`WSREP: Recovered position: ([0-9a-f-]{36}:-?[0-9]+)`)

// recoverPosition finds the position of a node that crashed in the
// cluster's history (mariadbd --wsrep-recover), as Debian's galera_recovery
// does before systemd starts a node: started there, the node catches up by
// incremental state transfer (IST) instead of copying the whole data
// directory again.
func (s *Server) recoverPosition() string {
	s.tb.Helper()
	log := filepath.Join(s.dir, "recover.log")
	_ = os.Remove(log)
	args := append(append([]string{}, s.args...), "--wsrep-recover", "--log-error="+log)
	if out, err := exec.Command(s.bin, args...).CombinedOutput(); err != nil {
		s.tb.Fatalf("%s: mariadbd --wsrep-recover: %v\n%s", s.name, err, out)
	}
	b, err := os.ReadFile(log)
	if err != nil {
		s.tb.Fatal(err)
	}
	m := recovered.FindSubmatch(b)
	if m == nil {
		s.tb.Fatalf("%s: mariadbd --wsrep-recover found no position:\n%s", s.name, b)
	}
	return string(m[1])
}
