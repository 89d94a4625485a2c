<?php

/*
 * keysync: declares the columns the keysync daemon adds to fe_users (customer
 * number, Wibisoft household and person id) so that TYPO3's database
 * analyzer keeps them, and shows them read-only in the backend.
 *
 * This file is part of keysync, licensed under the GNU General Public
 * License, version 2 or later.
 */

$EM_CONF[$_EXTKEY] = [
    'title' => 'keysync customer numbers',
    'description' => 'Declares the fe_users columns that the keysync daemon fills (customer number, Wibisoft household and person id) and shows them read-only in the backend.',
    'category' => 'fe',
    'state' => 'stable',
    'author' => 'keysync',
    'version' => '1.0.0',
    'constraints' => [
        'depends' => [
            'typo3' => '11.5.0-13.4.99',
            'frontend' => '11.5.0-13.4.99',
        ],
        'conflicts' => [],
        'suggests' => [],
    ],
];
