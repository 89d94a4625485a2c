<?php
/**
 * Plugin Name:       keysync changes
 * Description:       Records which users changed (registration, profile, user meta), so that the keysync daemon reads those users instead of every user on every poll, and their changed master data reaches keysync's central record within one poll interval.
 * Version:           1.0.0
 * Requires at least: 5.5
 * Requires PHP:      7.4
 * Author:            keysync
 * License:           GPL-2.0-or-later
 * License URI:       https://www.gnu.org/licenses/gpl-2.0.html
 *
 * Install as a must-use plugin: copy this file to wp-content/mu-plugins/.
 * `keysync migrate` creates the table it writes, <table prefix>keysync_changes;
 * keysync empties it as it records the changes. The plugin never breaks a
 * WordPress write: without the table (or on any database error) it records
 * nothing, and keysync's reconciliation finds the change instead. Edits that
 * bypass WordPress (SQL typed by hand) are found by reconciliation as well.
 *
 * A site whose table name differs (a $table_prefix keysync does not know)
 * defines it in wp-config.php:
 *
 *   define( 'KEYSYNC_CHANGES_TABLE', 'wp_keysync_changes' );
 *
 * This program is free software; you can redistribute it and/or modify it
 * under the terms of the GNU General Public License as published by the Free
 * Software Foundation; either version 2 of the License, or (at your option)
 * any later version.
 */

defined( 'ABSPATH' ) || exit;

// Installed twice (as a must-use and a normal plugin): load once.
if ( ! function_exists( 'keysync_changes_note' ) ) :

/**
 * Notes that a user changed. The note is written once per user when the
 * request ends, after every meta write of the request: a profile save
 * updates a dozen meta keys, and keysync must read the user after the last.
 *
 * @param int|string $user_id The user.
 */
function keysync_changes_note( $user_id ) {
	$user_id = (int) $user_id;
	if ( $user_id <= 0 ) {
		return;
	}
	if ( empty( $GLOBALS['keysync_changed_users'] ) ) {
		$GLOBALS['keysync_changed_users'] = array();
		register_shutdown_function( 'keysync_changes_write' );
	}
	$GLOBALS['keysync_changed_users'][ $user_id ] = true;
}

/**
 * Meta keys whose changes do not concern keysync: logins, activity stamps
 * and keys hidden from the custom-fields UI (a leading underscore, such as
 * WooCommerce's persistent cart). The filter keysync_changes_ignored_meta_key
 * can add others.
 *
 * @param string $meta_key The key.
 * @return bool
 */
function keysync_changes_ignored( $meta_key ) {
	$ignored = '_' === substr( (string) $meta_key, 0, 1 )
		|| in_array( $meta_key, array( 'session_tokens', 'wc_last_active', 'last_update', 'community-events-location' ), true );
	return (bool) apply_filters( 'keysync_changes_ignored_meta_key', $ignored, $meta_key );
}

/**
 * Writes the notes of the request, one row per user, errors ignored.
 */
function keysync_changes_write() {
	global $wpdb;
	if ( empty( $GLOBALS['keysync_changed_users'] ) || ! isset( $wpdb ) ) {
		return;
	}
	$table = defined( 'KEYSYNC_CHANGES_TABLE' ) ? KEYSYNC_CHANGES_TABLE : $wpdb->base_prefix . 'keysync_changes';
	$now   = gmdate( 'Y-m-d H:i:s' );
	$rows  = array();
	foreach ( array_keys( $GLOBALS['keysync_changed_users'] ) as $user_id ) {
		$rows[] = $wpdb->prepare( '(%d, %s)', $user_id, $now );
	}
	$GLOBALS['keysync_changed_users'] = array();
	$suppress                         = $wpdb->suppress_errors( true );
	$wpdb->query( 'INSERT INTO `' . str_replace( '`', '', $table ) . '` (user_id, changed_at) VALUES ' . implode( ',', $rows ) );
	$wpdb->suppress_errors( $suppress );
}

add_action( 'user_register', 'keysync_changes_note', 10, 1 );
add_action( 'profile_update', 'keysync_changes_note', 10, 1 );
add_action( 'deleted_user', 'keysync_changes_note', 10, 1 );
foreach ( array( 'added_user_meta', 'updated_user_meta', 'deleted_user_meta' ) as $keysync_hook ) {
	add_action(
		$keysync_hook,
		function ( $meta_id, $user_id, $meta_key ) {
			if ( ! keysync_changes_ignored( $meta_key ) ) {
				keysync_changes_note( $user_id );
			}
		},
		10,
		3
	);
}
unset( $keysync_hook );

endif;
