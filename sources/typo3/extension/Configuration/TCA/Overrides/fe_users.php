<?php

/*
 * keysync: shows the customer number and the Wibisoft household and person
 * ids that the keysync daemon writes into fe_users, read-only, on a tab
 * "keysync" of the frontend user form, and makes them searchable in the
 * list module. keysync alone writes these columns; editing them in the
 * backend would break the link to the central database, hence readOnly.
 *
 * This file is part of keysync, licensed under the GNU General Public
 * License, version 2 or later.
 */

defined('TYPO3') or die();

(static function (): void {
    $ll = 'LLL:EXT:keysync/Resources/Private/Language/locallang_db.xlf:';
    $readOnly = static fn (string $label): array => [
        'label' => $ll . $label,
        'config' => [
            'type' => 'input',
            'size' => 20,
            'max' => 32,
            'readOnly' => true,
        ],
    ];

    \TYPO3\CMS\Core\Utility\ExtensionManagementUtility::addTCAcolumns('fe_users', [
        'tx_keysync_customer_number' => $readOnly('fe_users.tx_keysync_customer_number'),
        'tx_keysync_wibisoft_hh_id' => $readOnly('fe_users.tx_keysync_wibisoft_hh_id'),
        'tx_keysync_wibisoft_pe_id' => $readOnly('fe_users.tx_keysync_wibisoft_pe_id'),
    ]);

    $GLOBALS['TCA']['fe_users']['palettes']['keysync'] = [
        'label' => $ll . 'fe_users.palette.keysync',
        'showitem' => 'tx_keysync_customer_number, --linebreak--, tx_keysync_wibisoft_hh_id, tx_keysync_wibisoft_pe_id',
    ];
    \TYPO3\CMS\Core\Utility\ExtensionManagementUtility::addToAllTCAtypes(
        'fe_users',
        '--div--;' . $ll . 'fe_users.tab.keysync, --palette--;;keysync'
    );

    // The list module's search box finds a user by number or id.
    $searchFields = $GLOBALS['TCA']['fe_users']['ctrl']['searchFields'] ?? '';
    $GLOBALS['TCA']['fe_users']['ctrl']['searchFields'] = ltrim(
        $searchFields . ',tx_keysync_customer_number,tx_keysync_wibisoft_hh_id,tx_keysync_wibisoft_pe_id',
        ','
    );
})();
