package wordpress

import (
	"errors"
	"slices"
	"strings"
)

// ErrProtected is returned by New for a target meta key that ProtectedKey
// refuses; the configuration refuses it first, naming the variable.
var ErrProtected = errors.New("keysync does not write into a portal's own meta keys")

// coreMetaKeys are user meta keys WordPress core, or the WooCommerce
// fields keysync reads, give a meaning. keysync never writes into one of
// them: a customer number as first_name would rename a member, one in
// session_tokens would log them out.
var coreMetaKeys = []string{
	"nickname", "first_name", "last_name", "description", "rich_editing", "syntax_highlighting",
	"comment_shortcuts", "admin_color", "use_ssl", "show_admin_bar_front", "locale", "session_tokens",
	"dismissed_wp_pointers", "show_welcome_panel", "default_password_nag", "primary_blog", "source_domain",
	"closedpostboxes", "metaboxhidden", "billing_address_1", "billing_address_2", "billing_postcode", "billing_city",
	"billing_country", "billing_phone", "billing_company",
}

// coreMetaSuffixes end the per-site keys of WordPress core, which carry
// the table prefix (wp_capabilities, wp_2_user_level).
var coreMetaSuffixes = []string{"capabilities", "user_level", "user_settings", "user_settings_time", "dashboard_quick_press_last_post_id"}

// userColumns are the columns of the users table; a meta key of the same
// name is read in their place by code that asks WP_User for a property.
var userColumns = []string{
	"id", "user_login", "user_pass", "user_nicename", "user_email", "user_url", "user_registered",
	"user_activation_key", "user_status", "display_name", "spam", "deleted",
}

// ProtectedKey reports whether a user meta key belongs to WordPress itself
// (or is one keysync reads as a person's data) and must never be a target
// of keysync's writes. Keys compare without regard to case, as
// meta_key's collation does.
func ProtectedKey(key string) bool {
	k := strings.ToLower(key)
	if slices.Contains(coreMetaKeys, k) || slices.Contains(userColumns, k) {
		return true
	}
	for _, suffix := range coreMetaSuffixes {
		if strings.HasSuffix(k, suffix) {
			return true
		}
	}
	return false
}
