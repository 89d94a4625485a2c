<?php

/*
 * keysync: declares the columns the keysync daemon adds to fe_users (customer
 * number, Wibisoft household and person id) so that TYPO3's database
 * analyzer keeps them, shows them read-only in the backend, and asks keysync
 * for the number when a frontend user is created or confirmed.
 *
 * This file is part of keysync, licensed under the GNU General Public
 * License, version 2 or later.
 */

$EM_CONF[$_EXTKEY] = [
    'title' => 'keysync customer numbers',
    'description' => 'Declares the fe_users columns that the keysync daemon fills (customer number, Wibisoft household and person id), shows them read-only in the backend, and asks keysync for the number when a frontend user is created or confirmed.',
    'category' => 'fe',
    'state' => 'stable',
    'author' => 'keysync',
    'version' => '1.0.0',
    'constraints' => [
        'depends' => [
            'typo3' => '11.5.0-13.4.99',
            'frontend' => '11.5.0-13.4.99',
            'extbase' => '11.5.0-13.4.99',
        ],
        'conflicts' => [],
        'suggests' => [
            'femanager' => '',
            'sr_feuser_register' => '',
        ],
    ],
    'autoload' => [
        'psr-4' => ['Keysync\\Typo3\\' => 'Classes/'],
    ],
];
