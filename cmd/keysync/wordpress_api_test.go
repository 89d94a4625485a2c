package main

import (
	"encoding/json"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"keysync/internal/testdb"
)

// registerPlugin is the must-use plugin that asks keysync at registration.
const registerPlugin = "../../sources/wordpress/plugin/keysync-register.php"

// wpProbe is a test-only must-use plugin: it reads the new user's meta in
// user_register before keysync's plugin runs (as many plugins do, which
// fills WordPress's meta cache), and records the mails WordPress sends and
// the options of keysync's HTTP calls.
const wpProbe = `<?php
add_action( 'user_register', function ( $id ) { get_user_meta( $id ); }, 5 );
add_filter( 'pre_wp_mail', function ( $r, $atts ) { $GLOBALS['ks_mail'][] = $atts['message']; return $r; }, 5, 2 );
add_action( 'requests-requests.before_request', function ( &$url, &$headers, &$data, &$type, &$options ) {
	if ( false !== strpos( $url, '/v1/sources/' ) ) {
		$GLOBALS['ks_http'][] = array( 'url' => $url, 'timeout' => $options['timeout'], 'connect_timeout' => $options['connect_timeout'] );
	}
}, 99, 5 );
`

// readmeMailFilter returns the README's example of the welcome-mail
// filter, as a must-use plugin file, so that the example stays true.
func readmeMailFilter(t *testing.T) string {
	t.Helper()
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile("(?s)```php\n(add_filter\\( 'wp_new_user_notification_email'.*?)```").FindSubmatch(readme)
	if m == nil {
		t.Fatal("README.md has no php example of the wp_new_user_notification_email filter")
	}
	return writeTemp(t, "keysync-mail.php", "<?php\n"+string(m[1]))
}

func writeTemp(t *testing.T, name, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// wpRegistration is what one registration on the real WordPress gave.
type wpRegistration struct {
	ID     uint64 `json:"id"`
	Before string `json:"before"` // the number before the checkout saved the address
	Number string `json:"number"` // get_user_meta right after the registration
	HTTP   []struct {
		URL            string  `json:"url"`
		Timeout        float64 `json:"timeout"`
		ConnectTimeout float64 `json:"connect_timeout"`
	} `json:"http"`
	Mail  []string `json:"mail"`
	Calls int      `json:"calls_before"`
}

// wpSignup is one registration: the plugin's settings (none when url is
// empty), the user, and whether WooCommerce's checkout creates him.
type wpSignup struct {
	url, token                string
	login, first, last, email string
	checkout                  bool
}

// wpRegister runs one request of the site: the settings as constants,
// then wp_insert_user, then the welcome mail; with checkout, as
// WooCommerce's checkout does it. PHP's error_log goes to errLog.
func wpRegister(t *testing.T, wp *testdb.RealWordPress, errLog string, u wpSignup) wpRegistration {
	t.Helper()
	login, first, last, email := u.login, u.first, u.last, u.email
	code := "ini_set( 'log_errors', '1' ); ini_set( 'error_log', " + strconv.Quote(errLog) + " );\n"
	if u.url != "" {
		code += "define( 'KEYSYNC_API_URL', " + strconv.Quote(u.url) + " ); define( 'KEYSYNC_API_TOKEN', " + strconv.Quote(u.token) + " ); define( 'KEYSYNC_SOURCE', 'community' );\n"
	}
	user := "'user_login' => " + strconv.Quote(login) + ", 'user_pass' => wp_generate_password( 16 ), 'user_email' => " + strconv.Quote(email)
	if u.checkout {
		code += "define( 'WOOCOMMERCE_CHECKOUT', true );\n" +
			"$id = wp_insert_user( array( " + user + ", 'role' => 'subscriber' ) );\n" +
			"$before = get_user_meta( $id, 'keysync_customer_number', true ); $calls = count( $GLOBALS['ks_http'] ?? array() );\n" +
			"foreach ( array( 'first_name' => " + strconv.Quote(first) + ", 'last_name' => " + strconv.Quote(last) + ", 'billing_first_name' => " + strconv.Quote(first) +
			", 'billing_last_name' => " + strconv.Quote(last) + ", 'billing_address_1' => 'Hauptstraße 10', 'billing_postcode' => '1010', 'billing_city' => 'Wien', 'billing_country' => 'AT' ) as $k => $v ) { update_user_meta( $id, $k, $v ); }\n" +
			"do_action( 'woocommerce_checkout_update_user_meta', $id, array() );\n"
	} else {
		code += "$id = wp_insert_user( array( " + user + ", 'first_name' => " + strconv.Quote(first) + ", 'last_name' => " + strconv.Quote(last) + ", 'role' => 'subscriber' ) );\n" +
			"$before = ''; $calls = 0;\n"
	}
	code += `if ( is_wp_error( $id ) ) { echo $id->get_error_message(); exit( 1 ); }
$number = get_user_meta( $id, 'keysync_customer_number', true );
wp_new_user_notification( $id, null, 'user' );
echo json_encode( array( 'id' => $id, 'before' => $before, 'number' => $number, 'calls_before' => $calls,
	'http' => $GLOBALS['ks_http'] ?? array(), 'mail' => $GLOBALS['ks_mail'] ?? array() ) );`
	out := wp.Run(t, code)
	var r wpRegistration
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatalf("registration of %s printed %q", login, out)
	}
	return r
}

// TestWordPress_NumberAtRegistration drives Debian's real WordPress with
// the registration plugin against a running `keysync run` that polls once
// an hour: the number is in the user's meta and in the welcome mail right
// after wp_insert_user(), though the meta cache was read before keysync
// wrote; during a WooCommerce checkout keysync is asked only once the
// billing address is saved, and recognises the customer from the TYPO3
// portal; keysync down, hanging or refusing the token leaves the
// registration whole and the number to the poll.
func TestWordPress_NumberAtRegistration(t *testing.T) {
	s := newSite(t, "amicas")
	wp := s.addRealWordPress("community", registerPlugin, writeTemp(t, "keysync-probe.php", wpProbe), readmeMailFilter(t))
	s.mustRun(0, "migrate")
	testdb.InsertFeUsers(t, s.portals["amicas"], []testdb.FeUser{{Pid: 1, Username: "hhuber", FirstName: "Hans", LastName: "Huber",
		Email: "hans.huber@example.at", Address: "Hauptstraße 10", Zip: "1010", City: "Wien", Country: "AT"}})
	env, api := s.apiEnv("KEYSYNC_POLL_INTERVAL=1h")
	d := s.startDaemon(env)
	api.waitReady("community")
	eventually(t, time.Minute, "the first polls to end", func() bool {
		var rep statusReport
		if err := json.Unmarshal([]byte(s.mustRun(0, "status", "--json").stdout), &rep); err != nil {
			t.Fatal(err)
		}
		return rep.Sources["amicas"].LastOKAt != nil && rep.Sources["community"].LastOKAt != nil
	})
	hans := s.rows("amicas")[1].number
	if hans == "" {
		t.Fatal("the TYPO3 member was not numbered by the first poll")
	}
	url := "http://" + api.addr
	errLog := filepath.Join(t.TempDir(), "php-errors.log")
	meta := func(id uint64) string {
		return scalar[string](t, s.portals["community"], "SELECT COALESCE(MAX(meta_value), '') FROM wp_usermeta WHERE user_id = ? AND meta_key = 'keysync_customer_number'", id)
	}

	erika := wpRegister(t, wp, errLog, wpSignup{url: url, token: apiToken, login: "erika", first: "Erika", last: "Mustermann", email: "erika.mustermann@example.at"})
	if erika.Number == "" || erika.Number != meta(erika.ID) || erika.Number != s.links("community")[erika.ID] {
		t.Fatalf("right after wp_insert_user: %+v; meta %q, link %q", erika, meta(erika.ID), s.links("community")[erika.ID])
	}
	if len(erika.HTTP) != 1 || erika.HTTP[0].Timeout > 2 || erika.HTTP[0].ConnectTimeout > 2 || erika.HTTP[0].Timeout <= 0 {
		t.Errorf("keysync's calls: %+v, want one with timeout and connect timeout of at most 2 s", erika.HTTP)
	}
	if len(erika.Mail) != 1 || !strings.Contains(erika.Mail[0], "Ihre Kundennummer: "+erika.Number) {
		t.Errorf("welcome mail %q lacks the number %s", erika.Mail, erika.Number)
	}

	hansWP := wpRegister(t, wp, errLog, wpSignup{url: url, token: apiToken, login: "hans", first: "Hans", last: "Huber", email: "hans.huber@example.at", checkout: true})
	if hansWP.Before != "" || hansWP.Calls != 0 {
		t.Errorf("during the checkout keysync was asked before the address was saved: %+v", hansWP)
	}
	if hansWP.Number != hans {
		t.Errorf("the checkout's customer got %q, want the TYPO3 member's %s", hansWP.Number, hans)
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
	for _, tc := range []struct {
		login, url, token, log string
	}{
		{"down", "http://" + freeAddr(t), apiToken, "the poll will give it"},
		{"hanging", "http://" + hanging.Addr().String(), apiToken, "timed out"},
		{"wrongtoken", url, strings.Repeat("x", len(apiToken)), "HTTP 401 unauthorized"},
		{"unconfigured", "", "", ""},
	} {
		r := wpRegister(t, wp, errLog, wpSignup{url: tc.url, token: tc.token, login: tc.login, first: "Maria", last: "Gruber-" + tc.login, email: tc.login + "@example.at"})
		if r.ID == 0 || r.Number != "" {
			t.Errorf("%s: %+v, want the user registered without a number", tc.login, r)
		}
		logged, _ := os.ReadFile(errLog)
		line := "keysync: no number for user " + strconv.FormatUint(r.ID, 10)
		if tc.log != "" && (!strings.Contains(string(logged), line) || !strings.Contains(string(logged), tc.log)) {
			t.Errorf("%s: error log lacks %q ... %q:\n%s", tc.login, line, tc.log, logged)
		}
		if tc.log == "" && (strings.Contains(string(logged), line) || len(r.HTTP) != 0) {
			t.Errorf("%s: the unconfigured plugin called keysync (%+v) or logged:\n%s", tc.login, r.HTTP, logged)
		}
		if strings.Contains(string(logged), apiToken) {
			t.Errorf("the error log shows the token")
		}
	}
	if code := d.stop(); code != 0 {
		t.Fatalf("exit %d", code)
	}
	if r := s.run(s.env, "once"); r.code != 0 && r.code != 3 {
		t.Fatalf("once: exit %d\n%s", r.code, r.stderr)
	}
	if unnumbered := wpUnnumbered(t, s.portals["community"]); unnumbered != 0 {
		t.Errorf("%d WordPress users without a number after the poll", unnumbered)
	}
}
