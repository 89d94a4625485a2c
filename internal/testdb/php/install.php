<?php
/* Creates the WordPress tables in KS_WP_DB_NAME with KS_WP_PREFIX. */
define( 'WP_INSTALLING', true ); // else wp-settings.php redirects on an empty database
require __DIR__ . '/bootstrap.php';
require_once ABSPATH . 'wp-admin/includes/upgrade.php';
if ( ! is_blog_installed() ) {
	wp_install( 'keysync test', 'admin', 'admin@example.invalid', 0, '', 'admin-pass-' . wp_generate_password( 8, false ) );
}
echo "installed\n";
