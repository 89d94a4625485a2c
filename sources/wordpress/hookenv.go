package wordpress

// hookPath is the PATH of the after-write command when keysync has none.
const hookPath = "/usr/local/bin:/usr/bin:/bin"

// hookVars are the variables of keysync's own environment the after-write
// command inherits: enough to find wp-cli, give PHP a home and a locale.
var hookVars = []string{"PATH", "HOME", "LANG"}

// hookEnv is the whole environment of the after-write command for one
// user: hookVars from keysync's environment, the user id and the source.
// Nothing else: keysync's environment holds DSNs, and under systemd
// CREDENTIALS_DIRECTORY names where the central one lies, while the
// recommended command (wp-cli) loads the site's own PHP, plugins included.
func hookEnv(getenv func(string) string, uid, source string) []string {
	env := make([]string, 0, len(hookVars)+2)
	for _, k := range hookVars {
		v := getenv(k)
		if v == "" && k == "PATH" {
			v = hookPath
		}
		if v != "" {
			env = append(env, k+"="+v)
		}
	}
	return append(env, "KEYSYNC_USER_ID="+uid, "KEYSYNC_SOURCE="+source)
}
