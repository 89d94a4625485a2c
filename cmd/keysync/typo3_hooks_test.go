package main

import (
	"encoding/json"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/go-sql-driver/mysql"

	"keysync/internal/testdb"
)

// The TYPO3 extension and the harness that runs its listeners and hooks
// with stubs of the TYPO3 types they use.
const (
	typo3Extension = "../../sources/typo3/extension"
	typo3Harness   = "../../sources/typo3/testdata/harness/run.php"
)

// typo3Run is what one run of the harness printed.
type typo3Run struct {
	Thrown    *string         `json:"thrown"`
	Persisted int             `json:"persisted"`
	Answer    json.RawMessage `json:"answer"`
	Requests  []struct {
		URI     string `json:"uri"`
		Method  string `json:"method"`
		Options struct {
			Timeout        float64 `json:"timeout"`
			ConnectTimeout float64 `json:"connect_timeout"`
			HTTPErrors     *bool   `json:"http_errors"`
			Authorization  string  `json:"authorization"`
		} `json:"options"`
	} `json:"requests"`
	Logs []struct {
		Level   string `json:"level"`
		Message string `json:"message"`
	} `json:"logs"`
	Conf map[string]any `json:"conf"`
}

// logged reports whether a log line at level contains text.
func (r typo3Run) logged(level, text string) bool {
	for _, l := range r.Logs {
		if l.Level == level && strings.Contains(l.Message, text) {
			return true
		}
	}
	return false
}

// runTYPO3 runs one scenario of the harness (see run.php).
func runTYPO3(t *testing.T, scenario map[string]any) typo3Run {
	t.Helper()
	php := testdb.NeedTool(t, "php", "php-cli")
	b, err := json.Marshal(scenario)
	if err != nil {
		t.Fatal(err)
	}
	file := writeTemp(t, "scenario.json", string(b))
	out, err := exec.Command(php, typo3Harness, typo3Extension, file).CombinedOutput()
	if err != nil {
		t.Fatalf("php %s: %v\n%s", typo3Harness, err, out)
	}
	var r typo3Run
	if err := json.Unmarshal(out, &r); err != nil {
		t.Fatalf("harness printed %q", out)
	}
	if r.Thrown != nil {
		t.Errorf("%v: the extension threw %s; a registration would break", scenario["entry"], *r.Thrown)
	}
	return r
}

// TestTYPO3_NumberAtRegistration runs the TYPO3 extension's listeners and
// hooks, as femanager, sr_feuser_register and the DataHandler call them,
// against a running `keysync run` that polls once an hour: each active
// new user has its number in the row when the call returns, femanager's
// admin confirmation is stored before keysync reads the row, users not
// active are not asked for; keysync down, hanging, refusing the token or
// not configured never throws into the registration and is logged; calls
// wait at most 2 s; ext_localconf.php registers the hooks where TYPO3 and
// both sr_feuser_register versions look for them.
func TestTYPO3_NumberAtRegistration(t *testing.T) {
	s := newSite(t, "amicas="+testdb.Typo3Femanager)
	s.mustRun(0, "migrate")
	env, api := s.apiEnv("KEYSYNC_POLL_INTERVAL=1h")
	d := s.startDaemon(env)
	api.waitReady("amicas")
	tokenFile := writeTemp(t, "typo3.token", apiToken+"\n")
	config := map[string]any{"apiUrl": "http://" + api.addr + "/", "tokenFile": tokenFile, "source": "amicas", "timeout": "30"}
	cfg, err := mysql.ParseDSN(s.envValue("KEYSYNC_SOURCE_AMICAS_DSN"))
	if err != nil {
		t.Fatal(err)
	}
	host, port, _ := net.SplitHostPort(cfg.Addr)
	db := map[string]any{"host": host, "port": port, "user": cfg.User, "password": cfg.Passwd, "name": cfg.DBName}
	insert := func(username string, disable int) uint64 {
		u := testdb.FeUser{Pid: 1, Username: username, FirstName: strings.ToUpper(username[:1]) + username[1:], LastName: "Huber", Email: username + "@example.at", Disable: disable}
		return testdb.InsertFeUsers(t, s.portals["amicas"], []testdb.FeUser{u})[0]
	}
	number := func(uid uint64) string { return s.rows("amicas")[uid].number }

	// femanager, admin confirmation in the frontend: the row is still
	// disabled when FinalCreateEvent comes; Extbase stores it on persistAll.
	adminConfirmed := insert("anna", 1)
	r := runTYPO3(t, map[string]any{"entry": "femanager_final_create", "uid": adminConfirmed, "config": config, "db": db,
		"pending": []string{"UPDATE fe_users SET disable = 0, tx_femanager_confirmedbyadmin = 1 WHERE uid = " + strconv.FormatUint(adminConfirmed, 10)}})
	if r.Persisted != 1 || number(adminConfirmed) == "" || !r.logged("info", "has the number "+number(adminConfirmed)) {
		t.Errorf("FinalCreateEvent after the admin's confirmation: %+v, row %q", r, number(adminConfirmed))
	}
	if len(r.Requests) != 1 || r.Requests[0].Method != "POST" || r.Requests[0].Options.Timeout != 2 || r.Requests[0].Options.ConnectTimeout != 2 ||
		r.Requests[0].Options.HTTPErrors == nil || *r.Requests[0].Options.HTTPErrors || r.Requests[0].Options.Authorization != "set" ||
		!strings.HasSuffix(r.Requests[0].URI, "/v1/sources/amicas/accounts/"+strconv.FormatUint(adminConfirmed, 10)+"/assign") || strings.Contains(r.Requests[0].URI, "//v1") {
		t.Errorf("the request: %+v, want one POST with timeouts of 2 s (30 configured), http_errors off and the token", r.Requests)
	}

	for i, tc := range []struct {
		name     string
		scenario func(uid uint64) map[string]any
		disable  int
		want     bool // a number in the row
	}{
		{"femanager confirmed by admin in the backend", func(uid uint64) map[string]any {
			return map[string]any{"entry": "femanager_confirmed_by_admin", "uid": uid, "db": db}
		}, 0, true},
		{"sr_feuser_register created", func(uid uint64) map[string]any {
			return map[string]any{"entry": "sr_after_save_create", "row": map[string]any{"uid": uid, "disable": 0, "deleted": 0}}
		}, 0, true},
		{"sr_feuser_register created, waiting for confirmation", func(uid uint64) map[string]any {
			return map[string]any{"entry": "sr_after_save_create", "row": map[string]any{"uid": uid, "disable": 1, "deleted": 0}}
		}, 1, false},
		{"sr_feuser_register confirmed", func(uid uint64) map[string]any {
			return map[string]any{"entry": "sr_confirm", "row": map[string]any{"uid": uid, "disable": 0}}
		}, 0, true},
		{"backend: new user", func(uid uint64) map[string]any {
			return map[string]any{"entry": "datahandler", "status": "new", "table": "fe_users", "id": "NEW64f1c2", "subst": map[string]any{"NEW64f1c2": uid}, "fields": map[string]any{"username": "x"}}
		}, 0, true},
		{"backend: new disabled user", func(uid uint64) map[string]any {
			return map[string]any{"entry": "datahandler", "status": "new", "table": "fe_users", "id": "NEW64f1c3", "subst": map[string]any{"NEW64f1c3": uid}, "fields": map[string]any{"disable": 1}}
		}, 1, false},
		{"backend: user enabled", func(uid uint64) map[string]any {
			return map[string]any{"entry": "datahandler", "status": "update", "table": "fe_users", "id": uid, "fields": map[string]any{"disable": 0}}
		}, 0, true},
		{"backend: user's e-mail changed", func(uid uint64) map[string]any {
			return map[string]any{"entry": "datahandler", "status": "update", "table": "fe_users", "id": uid, "fields": map[string]any{"email": "y@example.at"}}
		}, 0, false},
		{"backend: another table", func(uid uint64) map[string]any {
			return map[string]any{"entry": "datahandler", "status": "new", "table": "tt_content", "id": "NEW1", "subst": map[string]any{"NEW1": uid}}
		}, 0, false},
	} {
		uid := insert([]string{"bert", "cilli", "dora", "emil", "franz", "gerda", "hannes", "ida", "jakob"}[i], tc.disable)
		sc := tc.scenario(uid)
		sc["config"] = config
		r := runTYPO3(t, sc)
		if got := number(uid) != ""; got != tc.want || len(r.Requests) != map[bool]int{true: 1, false: 0}[tc.want] {
			t.Errorf("%s: number %q, %d requests; want a number: %v", tc.name, number(uid), len(r.Requests), tc.want)
		}
	}

	hanging, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer hanging.Close()
	go func() {
		for {
			c, err := hanging.Accept()
			if err != nil {
				return
			}
			defer c.Close() // hold the connection, answer nothing
		}
	}()
	badToken := writeTemp(t, "bad.token", strings.Repeat("x", len(apiToken)))
	for i, tc := range []struct {
		name   string
		config map[string]any
		log    string
	}{
		{"keysync down", map[string]any{"apiUrl": "http://" + freeAddr(t), "tokenFile": tokenFile, "source": "amicas"}, "the poll will give it"},
		{"keysync hanging", map[string]any{"apiUrl": "http://" + hanging.Addr().String(), "tokenFile": tokenFile, "source": "amicas", "timeout": "1"}, "the poll will give it"},
		{"wrong token", map[string]any{"apiUrl": "http://" + api.addr, "tokenFile": badToken, "source": "amicas"}, "HTTP 401 unauthorized"},
		{"token file missing", map[string]any{"apiUrl": "http://" + api.addr, "tokenFile": filepath.Join(t.TempDir(), "nope"), "source": "amicas"}, "cannot read the token from"},
		{"not configured", nil, ""},
	} {
		uid := insert([]string{"karl", "lena", "moritz", "nora", "otto"}[i], 0)
		r := runTYPO3(t, map[string]any{"entry": "client", "uid": uid, "config": tc.config})
		if number(uid) != "" || string(r.Answer) != "null" {
			t.Errorf("%s: answer %s, row %q", tc.name, r.Answer, number(uid))
		}
		if tc.log != "" && !r.logged("warning", "no number for fe_users:"+strconv.FormatUint(uid, 10)) || !r.logged("warning", tc.log) && tc.log != "" {
			t.Errorf("%s: logs %+v, want a warning with %q", tc.name, r.Logs, tc.log)
		}
		if tc.log == "" && (len(r.Logs) != 0 || len(r.Requests) != 0) {
			t.Errorf("%s: %+v", tc.name, r)
		}
		for _, l := range r.Logs {
			if strings.Contains(l.Message, apiToken) {
				t.Errorf("%s: the log shows the token", tc.name)
			}
		}
	}

	r = runTYPO3(t, map[string]any{"entry": "localconf"})
	conf, _ := json.Marshal(r.Conf)
	for _, want := range []string{
		`"SC_OPTIONS":{"t3lib/class.t3lib_tcemain.php":{"processDatamapClass":["Keysync\\Typo3\\Hooks\\DataHandlerHook"]}}`,
		`"EXTENSIONS":{"sr_feuser_register":{"tx_srfeuserregister_pi1":{"confirmRegistrationClass":["Keysync\\Typo3\\Hooks\\SrFeuserRegisterHooks"],"registrationProcess":["Keysync\\Typo3\\Hooks\\SrFeuserRegisterHooks"]}}}`,
		`"EXTCONF":{"sr_feuser_register":{"tx_srfeuserregister_pi1":{"confirmRegistrationClass":["Keysync\\Typo3\\Hooks\\SrFeuserRegisterHooks"],"registrationProcess":["Keysync\\Typo3\\Hooks\\SrFeuserRegisterHooks"]}}}`,
	} {
		if !strings.Contains(string(conf), want) {
			t.Errorf("ext_localconf.php registers\n%s\nwant it to contain\n%s", conf, want)
		}
	}
	if code := d.stop(); code != 0 {
		t.Fatalf("exit %d", code)
	}
	s.assertConsistent(false)
}

// TestTYPO3_ListenersDeclared: Services.yaml tags the listener for both
// femanager events it handles, and every class the configuration names
// exists in the extension.
func TestTYPO3_ListenersDeclared(t *testing.T) {
	b, err := os.ReadFile(filepath.Join(typo3Extension, "Configuration/Services.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	services := string(b)
	for _, want := range []string{
		"Keysync\\Typo3\\EventListener\\FemanagerUserActivated:",
		"event: In2code\\Femanager\\Event\\FinalCreateEvent",
		"event: In2code\\Femanager\\Event\\UserWasConfirmedByAdminEvent",
		"name: event.listener",
	} {
		if !strings.Contains(services, want) {
			t.Errorf("Services.yaml lacks %q", want)
		}
	}
	for _, class := range []string{"EventListener/FemanagerUserActivated", "Api/Client", "Hooks/DataHandlerHook", "Hooks/SrFeuserRegisterHooks"} {
		if _, err := os.Stat(filepath.Join(typo3Extension, "Classes", class+".php")); err != nil {
			t.Errorf("class %s: %v", class, err)
		}
	}
	tmpl, err := os.ReadFile(filepath.Join(typo3Extension, "ext_conf_template.txt"))
	if err != nil {
		t.Fatal(err)
	}
	for _, key := range []string{"apiUrl =", "tokenFile =", "source =", "timeout = 2"} {
		if !strings.Contains(string(tmpl), key) {
			t.Errorf("ext_conf_template.txt lacks %q", key)
		}
	}
}
