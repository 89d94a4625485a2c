<?php
/**
 * Plugin Name:       keysync registration
 * Description:       Asks the keysync daemon for the customer number the moment a user registers, so that the welcome mail, the confirmation page and the first invoice can carry it. When keysync cannot answer within two seconds, the registration goes on without it and keysync's poll numbers the user shortly after.
 * Version:           1.0.0
 * Requires at least: 5.5
 * Requires PHP:      7.4
 * Author:            keysync
 * License:           GPL-2.0-or-later
 * License URI:       https://www.gnu.org/licenses/gpl-2.0.html
 *
 * Install as a must-use plugin: copy this file to wp-content/mu-plugins/.
 * Configure it in wp-config.php (or with environment variables of the same
 * names; a constant wins):
 *
 *   define( 'KEYSYNC_API_URL', 'http://127.0.0.1:9465' ); // KEYSYNC_API_ADDR of keysync
 *   define( 'KEYSYNC_API_TOKEN', '...' );                 // the content of KEYSYNC_API_TOKEN_FILE
 *   define( 'KEYSYNC_SOURCE', 'community' );              // this site's name in KEYSYNC_SOURCES
 *
 * and optionally KEYSYNC_API_TIMEOUT (seconds, at most and by default 2).
 * Without the three settings the plugin does nothing. keysync writes the
 * number into the user's meta itself (compare-and-set); the plugin only
 * asks, then drops WordPress's cached copy of the user's meta so that
 * get_user_meta( $id, 'keysync_customer_number', true ) returns it at once.
 *
 * During WooCommerce's checkout the user is created before the billing
 * address is saved; the plugin then asks once WooCommerce saved it
 * (woocommerce_checkout_update_user_meta), so that keysync decides who
 * the customer is with the name and address given.
 *
 * This program is free software; you can redistribute it and/or modify it
 * under the terms of the GNU General Public License as published by the Free
 * Software Foundation; either version 2 of the License, or (at your option)
 * any later version.
 */

defined( 'ABSPATH' ) || exit;

// Installed twice (as a must-use and a normal plugin): load once.
if ( ! function_exists( 'keysync_register_assign' ) ) :

/**
 * Returns a setting: the constant, else the environment variable, else ''.
 *
 * @param string $name KEYSYNC_API_URL, KEYSYNC_API_TOKEN, KEYSYNC_SOURCE or KEYSYNC_API_TIMEOUT.
 * @return string
 */
function keysync_register_setting( $name ) {
	if ( defined( $name ) ) {
		return trim( (string) constant( $name ) );
	}
	$value = getenv( $name );
	return false === $value ? '' : trim( (string) $value );
}

/**
 * Returns the API's URL for one user, or '' when the plugin is not
 * configured.
 *
 * @param int $user_id The user.
 * @return string
 */
function keysync_register_endpoint( $user_id ) {
	$url    = rtrim( keysync_register_setting( 'KEYSYNC_API_URL' ), '/' );
	$source = keysync_register_setting( 'KEYSYNC_SOURCE' );
	if ( '' === $url || '' === $source || '' === keysync_register_setting( 'KEYSYNC_API_TOKEN' ) ) {
		return '';
	}
	return $url . '/v1/sources/' . rawurlencode( $source ) . '/accounts/' . (int) $user_id . '/assign';
}

/**
 * Returns how long a call may take, in seconds: KEYSYNC_API_TIMEOUT, at
 * most 2, since a registration waits for it.
 *
 * @return float
 */
function keysync_register_timeout() {
	$timeout = (float) keysync_register_setting( 'KEYSYNC_API_TIMEOUT' );
	return $timeout > 0 ? min( 2.0, $timeout ) : 2.0;
}

/**
 * Asks keysync for the number of a user and, once keysync wrote it, drops
 * the user's cached meta. Never fails the registration: whatever goes
 * wrong is logged, and keysync's poll numbers the user.
 *
 * @param int $user_id The user.
 * @return array|null keysync's answer on success (number, hh_id, pe_id, decision), else null.
 */
function keysync_register_assign( $user_id ) {
	$endpoint = keysync_register_endpoint( $user_id );
	if ( '' === $endpoint ) {
		return null;
	}
	$GLOBALS['keysync_register_url'] = $endpoint;
	$response = wp_remote_post(
		$endpoint,
		array(
			'timeout'     => keysync_register_timeout(),
			'redirection' => 0,
			'headers'     => array( 'Authorization' => 'Bearer ' . keysync_register_setting( 'KEYSYNC_API_TOKEN' ) ),
			'body'        => '',
		)
	);
	unset( $GLOBALS['keysync_register_url'] );
	if ( is_wp_error( $response ) ) {
		error_log( sprintf( 'keysync: no number for user %d yet, the poll will give it: %s', $user_id, $response->get_error_message() ) );
		return null;
	}
	$status = (int) wp_remote_retrieve_response_code( $response );
	$answer = json_decode( (string) wp_remote_retrieve_body( $response ), true );
	if ( 200 !== $status || ! is_array( $answer ) || empty( $answer['number'] ) ) {
		// 409 not_confirmed is the normal answer for a user who still has to
		// confirm; keysync numbers him once he has.
		if ( ! ( 409 === $status && is_array( $answer ) && 'not_confirmed' === ( $answer['error'] ?? '' ) ) ) {
			error_log( sprintf( 'keysync: no number for user %d (HTTP %d %s): %s', $user_id, $status,
				is_array( $answer ) ? (string) ( $answer['error'] ?? '' ) : '', is_array( $answer ) ? (string) ( $answer['reason'] ?? '' ) : '' ) );
		}
		return null;
	}
	// keysync wrote the meta past WordPress: forget what this request (or
	// a persistent object cache) holds of it.
	wp_cache_delete( $user_id, 'user_meta' );
	/**
	 * Fires once keysync gave a registering user the customer number.
	 *
	 * @param int   $user_id The user.
	 * @param array $answer  number, hh_id, pe_id and decision.
	 */
	do_action( 'keysync_number_assigned', $user_id, $answer );
	return $answer;
}

/**
 * Bounds the connection time of keysync's call as well: WordPress passes
 * only the total timeout on, and the HTTP library waits ten seconds for a
 * connection by default.
 *
 * @param string $url     The request's URL.
 * @param array  $headers Its headers.
 * @param mixed  $data    Its body.
 * @param string $type    Its method.
 * @param array  $options The library's options.
 */
function keysync_register_connect_timeout( &$url, &$headers, &$data, &$type, &$options ) {
	if ( isset( $GLOBALS['keysync_register_url'] ) && $url === $GLOBALS['keysync_register_url'] ) {
		$options['connect_timeout'] = keysync_register_timeout();
	}
}
add_action( 'requests-requests.before_request', 'keysync_register_connect_timeout', 10, 5 );

/**
 * user_register: asks for the number at once, or, during WooCommerce's
 * checkout, once the billing address is saved.
 *
 * @param int $user_id The new user.
 */
function keysync_register_user_registered( $user_id ) {
	if ( defined( 'WOOCOMMERCE_CHECKOUT' ) && WOOCOMMERCE_CHECKOUT ) {
		$GLOBALS['keysync_register_checkout'][ (int) $user_id ] = true;
		return;
	}
	keysync_register_assign( (int) $user_id );
}
add_action( 'user_register', 'keysync_register_user_registered', 10, 1 );

/**
 * woocommerce_checkout_update_user_meta: asks for the number of a customer
 * the checkout created, now that the billing address is saved.
 *
 * @param int $customer_id The customer.
 */
function keysync_register_checkout_saved( $customer_id ) {
	$customer_id = (int) $customer_id;
	if ( empty( $GLOBALS['keysync_register_checkout'][ $customer_id ] ) ) {
		return;
	}
	unset( $GLOBALS['keysync_register_checkout'][ $customer_id ] );
	keysync_register_assign( $customer_id );
}
add_action( 'woocommerce_checkout_update_user_meta', 'keysync_register_checkout_saved', 10, 1 );

endif;
