<?php
/**
 * Plugin Name:       keysync fields
 * Description:       Shows the customer number and the Wibisoft household and person ids that the keysync daemon assigns, read-only on user profiles and as sortable columns of the users list. keysync alone writes them; profile updates never overwrite them.
 * Version:           1.0.0
 * Requires at least: 5.5
 * Requires PHP:      7.4
 * Author:            keysync
 * License:           GPL-2.0-or-later
 * License URI:       https://www.gnu.org/licenses/gpl-2.0.html
 * Text Domain:       keysync
 *
 * Install as a must-use plugin: copy this file to wp-content/mu-plugins/.
 *
 * The meta keys default to keysync's. A site that sets
 * KEYSYNC_SOURCE_<NAME>_NUMBER_KEY, _HH_KEY or _PE_KEY defines the same keys
 * in wp-config.php:
 *
 *   define( 'KEYSYNC_NUMBER_KEY', 'member_number' );
 *   define( 'KEYSYNC_HH_KEY', 'keysync_wibisoft_hh_id' );
 *   define( 'KEYSYNC_PE_KEY', 'keysync_wibisoft_pe_id' );
 *
 * This program is free software; you can redistribute it and/or modify it
 * under the terms of the GNU General Public License as published by the Free
 * Software Foundation; either version 2 of the License, or (at your option)
 * any later version.
 */

defined( 'ABSPATH' ) || exit;

// Installed twice (as a must-use and a normal plugin): load once.
if ( ! function_exists( 'keysync_fields' ) ) :

defined( 'KEYSYNC_NUMBER_KEY' ) || define( 'KEYSYNC_NUMBER_KEY', 'keysync_customer_number' );
defined( 'KEYSYNC_HH_KEY' ) || define( 'KEYSYNC_HH_KEY', 'keysync_wibisoft_hh_id' );
defined( 'KEYSYNC_PE_KEY' ) || define( 'KEYSYNC_PE_KEY', 'keysync_wibisoft_pe_id' );

/**
 * Returns keysync's fields: users-list column id => [meta key, label]. The
 * labels are German for a German-speaking admin, English otherwise.
 *
 * @return array<string, array{0: string, 1: string}>
 */
function keysync_fields() {
	$de = 0 === strpos( function_exists( 'get_user_locale' ) ? get_user_locale() : 'en_US', 'de' );
	return array(
		'keysync_customer_number' => array( KEYSYNC_NUMBER_KEY, $de ? 'Kundennummer' : 'Customer number' ),
		'keysync_wibisoft_hh_id'  => array( KEYSYNC_HH_KEY, $de ? 'Wibisoft Haushalt (HH-ID)' : 'Wibisoft household (HH-ID)' ),
		'keysync_wibisoft_pe_id'  => array( KEYSYNC_PE_KEY, $de ? 'Wibisoft Person (PE-ID)' : 'Wibisoft person (PE-ID)' ),
	);
}

/**
 * Returns the meta keys keysync writes.
 *
 * @return string[]
 */
function keysync_fields_meta_keys() {
	return array( KEYSYNC_NUMBER_KEY, KEYSYNC_HH_KEY, KEYSYNC_PE_KEY );
}

/*
 * The profile: the three values as text, without form fields, so that
 * saving the profile cannot send them back.
 */
function keysync_fields_profile( $user ) {
	if ( ! $user instanceof WP_User ) {
		return;
	}
	$de = 0 === strpos( get_user_locale(), 'de' );
	echo '<h2>' . esc_html( $de ? 'Von keysync vergeben' : 'Assigned by keysync' ) . '</h2>';
	echo '<table class="form-table keysync-fields" role="presentation"><tbody>';
	foreach ( keysync_fields() as $field ) {
		list( $key, $label ) = $field;
		$value = (string) get_user_meta( $user->ID, $key, true );
		echo '<tr><th scope="row">' . esc_html( $label ) . '</th><td>';
		if ( '' === $value ) {
			echo '<span class="description">' . esc_html( $de ? 'noch nicht vergeben' : 'not assigned yet' ) . '</span>';
		} else {
			echo '<code>' . esc_html( $value ) . '</code>';
		}
		echo '</td></tr>';
	}
	echo '</tbody></table>';
}
add_action( 'show_user_profile', 'keysync_fields_profile' );
add_action( 'edit_user_profile', 'keysync_fields_profile' );

/*
 * Profile updates never overwrite keysync's values: the fields are dropped
 * from the submitted form before any handler sees it, and for the rest of
 * that request WordPress's user meta functions refuse to add, change or
 * delete them. keysync itself writes through the database, not through
 * these functions.
 */
function keysync_fields_protect_profile_update() {
	foreach ( keysync_fields_meta_keys() as $key ) {
		unset( $_POST[ $key ], $_REQUEST[ $key ] );
	}
	add_filter( 'add_user_metadata', 'keysync_fields_refuse_write', 10, 3 );
	add_filter( 'update_user_metadata', 'keysync_fields_refuse_write', 10, 3 );
	add_filter( 'delete_user_metadata', 'keysync_fields_refuse_write', 10, 3 );
}
add_action( 'personal_options_update', 'keysync_fields_protect_profile_update', PHP_INT_MIN );
add_action( 'edit_user_profile_update', 'keysync_fields_protect_profile_update', PHP_INT_MIN );

/**
 * Short-circuits a user meta write: false (failed) for keysync's keys, the
 * unchanged $check (go ahead) for any other.
 *
 * @param null|bool $check    Whether to go ahead.
 * @param int       $user_id  The user.
 * @param string    $meta_key The meta key written.
 * @return null|bool
 */
function keysync_fields_refuse_write( $check, $user_id, $meta_key ) {
	return in_array( $meta_key, keysync_fields_meta_keys(), true ) ? false : $check;
}

/*
 * The users list: one sortable column per value; the household and person
 * ids are hidden until chosen in Screen Options.
 */
function keysync_fields_columns( $columns ) {
	foreach ( keysync_fields() as $id => $field ) {
		$columns[ $id ] = $field[1];
	}
	return $columns;
}
add_filter( 'manage_users_columns', 'keysync_fields_columns' );
add_filter( 'wpmu_users_columns', 'keysync_fields_columns' );

function keysync_fields_column_value( $output, $column, $user_id ) {
	$fields = keysync_fields();
	if ( ! isset( $fields[ $column ] ) ) {
		return $output;
	}
	return esc_html( (string) get_user_meta( (int) $user_id, $fields[ $column ][0], true ) );
}
add_filter( 'manage_users_custom_column', 'keysync_fields_column_value', 10, 3 );

function keysync_fields_sortable_columns( $columns ) {
	foreach ( array_keys( keysync_fields() ) as $id ) {
		$columns[ $id ] = $id;
	}
	return $columns;
}
add_filter( 'manage_users_sortable_columns', 'keysync_fields_sortable_columns' );
add_filter( 'manage_users-network_sortable_columns', 'keysync_fields_sortable_columns' );

function keysync_fields_hidden_columns( $hidden, $screen ) {
	if ( $screen instanceof WP_Screen && in_array( $screen->id, array( 'users', 'users-network' ), true ) ) {
		$hidden[] = 'keysync_wibisoft_hh_id';
		$hidden[] = 'keysync_wibisoft_pe_id';
	}
	return $hidden;
}
add_filter( 'default_hidden_columns', 'keysync_fields_hidden_columns', 10, 2 );

/*
 * Sorting by a keysync column orders by its meta value, users without one
 * first (ascending). A subquery rather than a meta_query join keeps those
 * users in the list and lists each user once even if a key were stored
 * twice.
 */
function keysync_fields_sort( $query ) {
	global $wpdb;
	$orderby = $query->get( 'orderby' );
	$fields  = keysync_fields();
	if ( ! is_admin() || ! is_string( $orderby ) || ! isset( $fields[ $orderby ] ) ) {
		return;
	}
	$order = 'DESC' === strtoupper( (string) $query->get( 'order' ) ) ? 'DESC' : 'ASC';
	$query->query_orderby = $wpdb->prepare(
		"ORDER BY (SELECT MIN(ks.meta_value) FROM {$wpdb->usermeta} ks WHERE ks.user_id = {$wpdb->users}.ID AND ks.meta_key = %s) {$order}, {$wpdb->users}.user_login ASC",
		$fields[ $orderby ][0]
	);
}
add_action( 'pre_user_query', 'keysync_fields_sort' );

endif;
