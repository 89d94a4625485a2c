<?php
/* Test only: no mail leaves a test WordPress (there is no MTA). */
add_filter( 'pre_wp_mail', function () { return true; } );
