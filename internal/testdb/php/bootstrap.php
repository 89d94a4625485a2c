<?php
/*
 * Loads Debian's WordPress (/usr/share/wordpress) in php-cli for keysync's
 * tests, without its wp-config.php (which wants HTTP_HOST and a file under
 * /etc/wordpress): the settings come from the environment, then
 * wp-settings.php runs. A script requires this file and calls WordPress.
 *
 * Environment: KS_WP_DB_NAME, KS_WP_DB_HOST (host:port), KS_WP_DB_USER,
 * KS_WP_DB_PASSWORD, KS_WP_PREFIX, KS_WP_MU_DIR (the must-use plugins),
 * KS_WP_ABSPATH (default /usr/share/wordpress).
 */
if ( PHP_SAPI !== 'cli' ) {
	exit( 1 );
}
foreach ( array( 'HTTP_HOST' => 'localhost', 'SERVER_NAME' => 'localhost', 'SERVER_PORT' => '80', 'REQUEST_URI' => '/',
	'REQUEST_METHOD' => 'GET', 'SERVER_PROTOCOL' => 'HTTP/1.1', 'REMOTE_ADDR' => '127.0.0.1' ) as $k => $v ) {
	$_SERVER[ $k ] = $_SERVER[ $k ] ?? $v;
}
define( 'ABSPATH', rtrim( getenv( 'KS_WP_ABSPATH' ) ?: '/usr/share/wordpress', '/' ) . '/' );
define( 'DB_NAME', getenv( 'KS_WP_DB_NAME' ) );
define( 'DB_USER', getenv( 'KS_WP_DB_USER' ) );
define( 'DB_PASSWORD', getenv( 'KS_WP_DB_PASSWORD' ) ?: '' );
define( 'DB_HOST', getenv( 'KS_WP_DB_HOST' ) ); // host:port: TCP, not the socket
define( 'DB_CHARSET', 'utf8mb4' );
define( 'DB_COLLATE', '' );
$table_prefix = getenv( 'KS_WP_PREFIX' ) ?: 'wp_';
define( 'WP_SITEURL', 'http://localhost' );
define( 'WP_HOME', 'http://localhost' );
define( 'WPMU_PLUGIN_DIR', getenv( 'KS_WP_MU_DIR' ) );
define( 'WPMU_PLUGIN_URL', 'http://localhost/mu-plugins' );
foreach ( array( 'AUTH_KEY', 'SECURE_AUTH_KEY', 'LOGGED_IN_KEY', 'NONCE_KEY', 'AUTH_SALT', 'SECURE_AUTH_SALT', 'LOGGED_IN_SALT', 'NONCE_SALT' ) as $k ) {
	define( $k, 'keysync-test-' . $k );
}
define( 'WP_DEBUG', false );
define( 'DISABLE_WP_CRON', true );
define( 'AUTOMATIC_UPDATER_DISABLED', true );
define( 'WP_AUTO_UPDATE_CORE', false );
require_once ABSPATH . 'wp-settings.php';
