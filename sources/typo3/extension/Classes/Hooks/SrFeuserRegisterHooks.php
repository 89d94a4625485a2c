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
 * Asks keysync for the number when sr_feuser_register creates an active
 * frontend user or one confirms the registration (the setfixed link).
 * Registered in ext_localconf.php under the tx_srfeuserregister_pi1 hooks
 * of both the array sr_feuser_register 7 reads and the one of version 5;
 * sr_feuser_register calls only the methods a hook class has. The
 * parameters carry no types: a hook that fails on an argument it did not
 * expect would break the registration.
 */
final class SrFeuserRegisterHooks
{
    /**
     * After sr_feuser_register stored a new user; $newRow is the row read
     * back, with its uid. A row waiting for its confirmation (disable=1)
     * gets its number at confirmRegistrationClass_postProcess.
     *
     * @param string $theTable
     * @param array<string, mixed> $newRow
     */
    public function registrationProcess_afterSaveCreate($theTable, $dataArray, $origArray, $token, &$newRow, $cmd, $cmdKey, $pid, $fieldList, $pObj): void
    {
        if ($theTable === 'fe_users' && is_array($newRow) && empty($newRow['disable']) && empty($newRow['deleted'])) {
            $this->assign($newRow);
        }
    }

    /**
     * After a setfixed link changed the row (APPROVE, ENTER ...); only a row
     * it left enabled is asked for.
     *
     * @param array<string, mixed> $recordArray
     */
    public function confirmRegistrationClass_postProcess($recordArray, $invokingObj): void
    {
        if (is_array($recordArray) && array_key_exists('disable', $recordArray) && empty($recordArray['disable']) && empty($recordArray['deleted'])) {
            $this->assign($recordArray);
        }
    }

    /** @param array<string, mixed> $row */
    private function assign(array $row): void
    {
        GeneralUtility::makeInstance(Client::class)->assign((int)($row['uid'] ?? 0));
    }
}
