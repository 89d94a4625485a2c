<?php

declare(strict_types=1);

/*
 * This file is part of keysync, licensed under the GNU General Public
 * License, version 2 or later.
 */

namespace Keysync\Typo3\EventListener;

use Keysync\Typo3\Api\Client;
use Psr\Log\LoggerInterface;
use TYPO3\CMS\Core\Log\LogManager;
use TYPO3\CMS\Core\Utility\GeneralUtility;
use TYPO3\CMS\Extbase\Persistence\PersistenceManagerInterface;

/**
 * Asks keysync for the number when femanager makes a frontend user active:
 * In2code\Femanager\Event\FinalCreateEvent (registration without
 * confirmation, after the user's confirmation, after the admin's in the
 * frontend) and, from femanager 8 on, UserWasConfirmedByAdminEvent (the
 * admin's confirmation from the backend module). Registered in
 * Configuration/Services.yaml; without femanager the events never come.
 *
 * On the admin's confirmation femanager dispatches FinalCreateEvent before
 * Extbase stored the user (the row still says disable=1), so the listener
 * persists first: keysync reads the row, not the object.
 */
final class FemanagerUserActivated
{
    /** @var PersistenceManagerInterface */
    private $persistence;

    /** @var Client */
    private $client;

    /** @var LoggerInterface */
    private $logger;

    public function __construct(PersistenceManagerInterface $persistence, Client $client, ?LoggerInterface $logger = null)
    {
        $this->persistence = $persistence;
        $this->client = $client;
        $this->logger = $logger ?? GeneralUtility::makeInstance(LogManager::class)->getLogger(self::class);
    }

    /**
     * @param object $event FinalCreateEvent or UserWasConfirmedByAdminEvent; both have getUser()
     */
    public function __invoke(object $event): void
    {
        $user = method_exists($event, 'getUser') ? $event->getUser() : null;
        if (!is_object($user) || !method_exists($user, 'getUid') || (int)$user->getUid() <= 0) {
            return;
        }
        try {
            $this->persistence->persistAll();
        } catch (\Throwable $e) {
            // femanager persists again at the end of the request and
            // reports its own failure; keysync's poll catches up.
            $this->logger->warning('keysync: could not store fe_users:{uid} before asking for its number: {error}', ['uid' => (int)$user->getUid(), 'error' => $e->getMessage()]);
            return;
        }
        $this->client->assign((int)$user->getUid());
    }
}
