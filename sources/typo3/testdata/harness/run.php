<?php

/*
 * Test only: runs one of the keysync extension's entry points the way
 * TYPO3, femanager or sr_feuser_register would call it, with the stubs of
 * stubs.php, and prints as JSON what came of it: the HTTP requests made,
 * the log lines, whether anything was thrown, the persistence calls and
 * the hooks ext_localconf.php registered.
 *
 * Usage: php run.php <extension dir> <scenario.json>
 * The scenario: {"entry": ..., "uid": N, "config": {...} or null,
 * "db": {"host", "port", "user", "password", "name"}, "pending": [SQL...],
 * "status", "table", "id", "fields", "row"}.
 */

declare(strict_types=1);

require __DIR__ . '/stubs.php';

$extension = rtrim($argv[1], '/');
$scenario = json_decode((string)file_get_contents($argv[2]), true, 512, JSON_THROW_ON_ERROR);

spl_autoload_register(static function (string $class) use ($extension): void {
    $prefix = 'Keysync\\Typo3\\';
    if (strncmp($class, $prefix, strlen($prefix)) === 0) {
        require $extension . '/Classes/' . str_replace('\\', '/', substr($class, strlen($prefix))) . '.php';
    }
});

$GLOBALS['TYPO3_CONF_VARS'] = [];
if (is_array($scenario['config'] ?? null)) {
    $GLOBALS['TYPO3_CONF_VARS']['EXTENSIONS']['keysync'] = $scenario['config'];
}

use In2code\Femanager\Domain\Model\User;
use TYPO3\CMS\Core\Http\RequestFactory;
use TYPO3\CMS\Core\Log\RecordingLogger;

$out = ['thrown' => null, 'persisted' => 0];
try {
    switch ($scenario['entry']) {
        case 'femanager_final_create':
        case 'femanager_confirmed_by_admin':
            $db = $scenario['db'];
            $persistence = new \TYPO3\CMS\Extbase\Persistence\SqlPersistenceManager(
                new mysqli($db['host'], $db['user'], $db['password'], $db['name'], (int)$db['port']),
                $scenario['pending'] ?? []
            );
            $user = new User((int)$scenario['uid']);
            $event = $scenario['entry'] === 'femanager_final_create'
                ? new \In2code\Femanager\Event\FinalCreateEvent($user, 'new')
                : new \In2code\Femanager\Event\UserWasConfirmedByAdminEvent(null, $user);
            $listener = new \Keysync\Typo3\EventListener\FemanagerUserActivated($persistence, new \Keysync\Typo3\Api\Client());
            $listener($event);
            $out['persisted'] = $persistence->calls;
            break;
        case 'sr_after_save_create':
            $row = $scenario['row'];
            (new \Keysync\Typo3\Hooks\SrFeuserRegisterHooks())->registrationProcess_afterSaveCreate('fe_users', $row, [], '', $row, 'create', 'create', 1, '', null);
            break;
        case 'sr_confirm':
            (new \Keysync\Typo3\Hooks\SrFeuserRegisterHooks())->confirmRegistrationClass_postProcess($scenario['row'], null);
            break;
        case 'datahandler':
            $dataHandler = new \TYPO3\CMS\Core\DataHandling\DataHandler();
            $dataHandler->substNEWwithIDs = $scenario['subst'] ?? [];
            (new \Keysync\Typo3\Hooks\DataHandlerHook())->processDatamap_afterDatabaseOperations(
                $scenario['status'], $scenario['table'], $scenario['id'], $scenario['fields'] ?? [], $dataHandler
            );
            break;
        case 'client':
            $out['answer'] = (new \Keysync\Typo3\Api\Client())->assign((int)$scenario['uid']);
            break;
        case 'localconf':
            define('TYPO3', true);
            require $extension . '/ext_localconf.php';
            $out['conf'] = $GLOBALS['TYPO3_CONF_VARS'];
            break;
        default:
            throw new \InvalidArgumentException('unknown entry ' . $scenario['entry']);
    }
} catch (\Throwable $e) {
    $out['thrown'] = get_class($e) . ': ' . $e->getMessage();
}
$out['requests'] = RequestFactory::$requests;
$out['logs'] = RecordingLogger::$lines;
echo json_encode($out, JSON_THROW_ON_ERROR), "\n";
