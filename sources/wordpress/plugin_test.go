package wordpress_test

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"keysync/internal/testdb"
	"keysync/sources/wordpress"
)

// plugin is the must-use plugin that shows keysync's user meta in
// wp-admin.
const plugin = "plugin/keysync-fields.php"

// TestPlugin_PHPLint checks the plugin's PHP syntax.
func TestPlugin_PHPLint(t *testing.T) {
	testdb.PHPLint(t, filepath.Dir(plugin))
}

// pluginHarness loads the plugin with the few WordPress functions it calls
// stubbed, drives each hook it registers once and prints what came out as
// JSON. The site renames the number's meta key, as KEYSYNC_NUMBER_KEY allows,
// and a stored value carries markup that must come out escaped.
const pluginHarness = `<?php
define('ABSPATH', __DIR__ . '/');
define('KEYSYNC_NUMBER_KEY', 'member_number');
$hooks = [];
function add_action($h, $cb, $prio = 10, $n = 1) { $GLOBALS['hooks'][$h][] = $cb; }
function add_filter($h, $cb, $prio = 10, $n = 1) { $GLOBALS['hooks'][$h][] = $cb; }
function get_user_locale() { return 'de_AT'; }
function is_admin() { return true; }
function esc_html($s) { return htmlspecialchars((string) $s, ENT_QUOTES, 'UTF-8'); }
$meta = [7 => ['member_number' => '<b>000000013</b>', 'keysync_wibisoft_hh_id' => '0000001']];
function get_user_meta($id, $key, $single) { return $GLOBALS['meta'][$id][$key] ?? ''; }
class WP_User { public $ID; function __construct($id) { $this->ID = $id; } }
class WP_Screen { public $id = 'users'; }
class wpdb {
	public $users = 'wp_users';
	public $usermeta = 'wp_usermeta';
	function prepare($q, ...$args) { return str_replace('%s', "'" . addslashes($args[0]) . "'", $q); }
}
$wpdb = new wpdb();
class WP_User_Query {
	public $query_orderby = 'ORDER BY user_login ASC';
	public $vars;
	function __construct($vars) { $this->vars = $vars; }
	function get($k) { return $this->vars[$k] ?? ''; }
}
function run($hook, ...$args) {
	$out = $args[0] ?? null;
	foreach ($GLOBALS['hooks'][$hook] ?? [] as $cb) { $out = $cb(...$args); }
	return $out;
}

include $argv[1];
include $argv[1]; // a second copy of the plugin must not break the site

ob_start();
run('edit_user_profile', new WP_User(7));
$profile = ob_get_clean();
$query = new WP_User_Query(['orderby' => 'keysync_customer_number', 'order' => 'desc']);
run('pre_user_query', $query);
$_POST = ['member_number' => 'forged', 'keysync_wibisoft_pe_id' => 'forged', 'email' => 'a@example.org'];
$_REQUEST = $_POST;
run('edit_user_profile_update', 7);
echo json_encode([
	'hooks' => array_keys($hooks),
	'profile' => $profile,
	'columns' => run('manage_users_columns', ['username' => 'Username']),
	'cell' => run('manage_users_custom_column', '', 'keysync_customer_number', 7),
	'other_cell' => run('manage_users_custom_column', 'kept', 'email', 7),
	'sortable' => run('manage_users_sortable_columns', []),
	'hidden' => run('default_hidden_columns', [], new WP_Screen()),
	'orderby' => $query->query_orderby,
	'post' => array_keys($_POST),
	'write_ours' => run('update_user_metadata', null, 7, 'member_number', 'x', ''),
	'delete_ours' => run('delete_user_metadata', null, 7, 'keysync_wibisoft_hh_id', '', false),
	'write_other' => run('update_user_metadata', null, 7, 'nickname', 'x', ''),
]);
`

type pluginRun struct {
	Hooks      []string          `json:"hooks"`
	Profile    string            `json:"profile"`
	Columns    map[string]string `json:"columns"`
	Cell       string            `json:"cell"`
	OtherCell  string            `json:"other_cell"`
	Sortable   map[string]string `json:"sortable"`
	Hidden     []string          `json:"hidden"`
	OrderBy    string            `json:"orderby"`
	Post       []string          `json:"post"`
	WriteOurs  *bool             `json:"write_ours"`
	DeleteOurs *bool             `json:"delete_ours"`
	WriteOther *bool             `json:"write_other"`
}

// TestPlugin_ShowsReadOnlyAndProtects drives the plugin's hooks: the profile
// shows the values escaped and without form fields, the users list gets
// sortable columns, a renamed meta key is honoured, and a profile update
// can neither post nor write keysync's values.
func TestPlugin_ShowsReadOnlyAndProtects(t *testing.T) {
	php := testdb.NeedTool(t, "php", "php-cli")
	harness := filepath.Join(t.TempDir(), "harness.php")
	if err := os.WriteFile(harness, []byte(pluginHarness), 0o644); err != nil {
		t.Fatal(err)
	}
	abs, err := filepath.Abs(plugin)
	if err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(php, "-n", harness, abs).CombinedOutput()
	if err != nil {
		t.Fatalf("php %s: %v\n%s", harness, err, out)
	}
	var r pluginRun
	if err := json.Unmarshal(out, &r); err != nil {
		t.Fatalf("harness output: %v\n%s", err, out)
	}

	for _, hook := range []string{"show_user_profile", "edit_user_profile", "manage_users_columns", "manage_users_custom_column", "manage_users_sortable_columns", "pre_user_query"} {
		if !slices.Contains(r.Hooks, hook) {
			t.Errorf("the plugin does not hook %s", hook)
		}
	}
	for _, want := range []string{"Kundennummer", "&lt;b&gt;000000013&lt;/b&gt;", "0000001", "Wibisoft Person (PE-ID)"} {
		if !strings.Contains(r.Profile, want) {
			t.Errorf("profile lacks %q:\n%s", want, r.Profile)
		}
	}
	for _, bad := range []string{"<b>", "<input", "<select", "<textarea", "name="} {
		if strings.Contains(r.Profile, bad) {
			t.Errorf("profile contains %q, want escaped text only:\n%s", bad, r.Profile)
		}
	}
	for _, id := range []string{"keysync_customer_number", "keysync_wibisoft_hh_id", "keysync_wibisoft_pe_id"} {
		if r.Columns[id] == "" || r.Sortable[id] != id {
			t.Errorf("users list column %s: label %q, sortable as %q", id, r.Columns[id], r.Sortable[id])
		}
	}
	if r.Cell != "&lt;b&gt;000000013&lt;/b&gt;" || r.OtherCell != "kept" {
		t.Errorf("users list cells: %q and %q for another plugin's column", r.Cell, r.OtherCell)
	}
	if !slices.Equal(r.Hidden, []string{"keysync_wibisoft_hh_id", "keysync_wibisoft_pe_id"}) {
		t.Errorf("hidden by default: %v, want the ids but not the number", r.Hidden)
	}
	if !strings.Contains(r.OrderBy, "meta_key = 'member_number'") || !strings.Contains(r.OrderBy, " DESC") {
		t.Errorf("sorting by number: %s", r.OrderBy)
	}
	if !slices.Equal(r.Post, []string{"email"}) {
		t.Errorf("profile update still posts %v, want only email", r.Post)
	}
	if r.WriteOurs == nil || *r.WriteOurs || r.DeleteOurs == nil || *r.DeleteOurs || r.WriteOther != nil {
		t.Errorf("during a profile update: write ours %v, delete ours %v, write nickname %v; want false, false, null (go ahead)", r.WriteOurs, r.DeleteOurs, r.WriteOther)
	}
}

// TestPlugin_DefaultKeysAreKeysyncs keeps the plugin's default meta keys
// equal to those the WordPress source writes by default.
func TestPlugin_DefaultKeysAreKeysyncs(t *testing.T) {
	b, err := os.ReadFile(plugin)
	if err != nil {
		t.Fatal(err)
	}
	for constant, want := range map[string]string{
		"KEYSYNC_NUMBER_KEY": wordpress.DefaultNumberKey,
		"KEYSYNC_HH_KEY":     wordpress.DefaultHHKey,
		"KEYSYNC_PE_KEY":     wordpress.DefaultPEKey,
	} {
		def := "define( '" + constant + "', '" + want + "' );"
		if !strings.Contains(string(b), def) {
			t.Errorf("%s does not default %s to %q: want %s", plugin, constant, want, def)
		}
	}
}
