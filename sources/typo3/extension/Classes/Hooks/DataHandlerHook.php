<?php

declare(strict_types=1);

/*
 * This file is part of keysync, licensed under the GNU General Public
 * License, version 2 or later.
 */

namespace Keysync\Typo3\Hooks;

use Keysync\Typo3\Api\Client;
use TYPO3\CMS\Core\Utility\GeneralUtility;

/**
 * Asks keysync for the number of a frontend user that an editor creates in
 * the backend (or an import through the DataHandler) or enables there.
 * Registered in ext_localconf.php as a processDatamapClass hook; femanager
 * registrations go through Extbase and never reach it.
 */
final class DataHandlerHook
{
    /**
     * @param string $status 'new' or 'update'
     * @param string $table the record's table
     * @param int|string $id the uid, or the 'NEW...' placeholder of a new record
     * @param array<string, mixed> $fieldArray the fields written
     * @param object $dataHandler TYPO3\CMS\Core\DataHandling\DataHandler
     */
    public function processDatamap_afterDatabaseOperations($status, $table, $id, array $fieldArray, $dataHandler): void
    {
        if ($table !== 'fe_users') {
            return;
        }
        $enabled = array_key_exists('disable', $fieldArray) && (int)$fieldArray['disable'] === 0;
        $created = $status === 'new' && empty($fieldArray['disable']);
        if (!$created && !($status === 'update' && $enabled)) {
            return; // neither a new enabled user nor one just enabled
        }
        $uid = is_numeric($id) ? (int)$id : (int)($dataHandler->substNEWwithIDs[$id] ?? 0);
        if ($uid > 0) {
            GeneralUtility::makeInstance(Client::class)->assign($uid);
        }
    }
}
