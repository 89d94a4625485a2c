<?php

/*
 * keysync: asks the keysync daemon for the customer number when a frontend
 * user is created or confirmed (see Classes/). femanager's events are
 * listened to in Configuration/Services.yaml.
 *
 * This file is part of keysync, licensed under the GNU General Public
 * License, version 2 or later.
 */

defined('TYPO3') or die();

// Frontend users created or enabled in the backend, or imported through
// the DataHandler.
$GLOBALS['TYPO3_CONF_VARS']['SC_OPTIONS']['t3lib/class.t3lib_tcemain.php']['processDatamapClass'][]
    = \Keysync\Typo3\Hooks\DataHandlerHook::class;

// sr_feuser_register: version 7 reads its hooks from EXTENSIONS, version 5
// and older from EXTCONF; registered in both.
foreach (['EXTENSIONS', 'EXTCONF'] as $keysyncHookArray) {
    foreach (['registrationProcess', 'confirmRegistrationClass'] as $keysyncHookSet) {
        $GLOBALS['TYPO3_CONF_VARS'][$keysyncHookArray]['sr_feuser_register']['tx_srfeuserregister_pi1'][$keysyncHookSet][]
            = \Keysync\Typo3\Hooks\SrFeuserRegisterHooks::class;
    }
}
unset($keysyncHookArray, $keysyncHookSet);
