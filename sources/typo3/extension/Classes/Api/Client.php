<?php

declare(strict_types=1);

/*
 * This file is part of keysync, licensed under the GNU General Public
 * License, version 2 or later.
 */

namespace Keysync\Typo3\Api;

use Psr\Log\LoggerInterface;
use TYPO3\CMS\Core\Configuration\ExtensionConfiguration;
use TYPO3\CMS\Core\Http\RequestFactory;
use TYPO3\CMS\Core\Log\LogManager;
use TYPO3\CMS\Core\Utility\GeneralUtility;

/**
 * Asks the keysync daemon's registration API for the customer number of
 * one frontend user, so that the confirmation page and the mails of the
 * registration can carry it. keysync writes the number into the fe_users
 * row itself; this only asks. Whatever goes wrong (keysync not configured,
 * down, slow, a conflict) is logged and never breaks the registration:
 * keysync's poll numbers the user shortly after.
 */
final class Client
{
    /** The longest a registration waits for keysync, in seconds. */
    public const MAX_TIMEOUT = 2.0;

    /** @var RequestFactory */
    private $requests;

    /** @var ExtensionConfiguration */
    private $configuration;

    /** @var LoggerInterface */
    private $logger;

    public function __construct(?RequestFactory $requests = null, ?ExtensionConfiguration $configuration = null, ?LoggerInterface $logger = null)
    {
        $this->requests = $requests ?? GeneralUtility::makeInstance(RequestFactory::class);
        $this->configuration = $configuration ?? GeneralUtility::makeInstance(ExtensionConfiguration::class);
        $this->logger = $logger ?? GeneralUtility::makeInstance(LogManager::class)->getLogger(self::class);
    }

    /**
     * Asks for the number of the fe_users row $uid.
     *
     * @return array<string, mixed>|null keysync's answer (number, hh_id, pe_id, decision), or null when there is no number yet
     */
    public function assign(int $uid): ?array
    {
        if ($uid <= 0) {
            return null;
        }
        try {
            $settings = $this->settings();
            if ($settings === null) {
                return null;
            }
            $response = $this->requests->request(
                $settings['url'] . '/v1/sources/' . rawurlencode($settings['source']) . '/accounts/' . $uid . '/assign',
                'POST',
                [
                    // TYPO3's default timeout is 0: wait for ever.
                    'timeout' => $settings['timeout'],
                    'connect_timeout' => $settings['timeout'],
                    'http_errors' => false,
                    'allow_redirects' => false,
                    'headers' => ['Authorization' => 'Bearer ' . $this->token($settings['tokenFile'])],
                ]
            );
            return $this->answer($uid, $response->getStatusCode(), (string)$response->getBody());
        } catch (\Throwable $e) {
            $this->logger->warning('keysync: no number for fe_users:{uid} yet, the poll will give it: {error}', ['uid' => $uid, 'error' => $e->getMessage()]);
            return null;
        }
    }

    /**
     * Reads keysync's answer: the number, or null after logging why not.
     *
     * @return array<string, mixed>|null
     */
    private function answer(int $uid, int $status, string $body): ?array
    {
        $answer = json_decode($body, true);
        if ($status === 200 && is_array($answer) && ($answer['number'] ?? '') !== '') {
            $this->logger->info('keysync: fe_users:{uid} has the number {number}', ['uid' => $uid, 'number' => $answer['number']]);
            return $answer;
        }
        $error = is_array($answer) ? (string)($answer['error'] ?? '') : '';
        if ($status === 409 && $error === 'not_confirmed') {
            // The normal answer before a confirmation: keysync numbers the
            // user once it is done.
            return null;
        }
        $this->logger->warning('keysync: no number for fe_users:{uid} (HTTP {status} {error}): {reason}', [
            'uid' => $uid,
            'status' => $status,
            'error' => $error,
            'reason' => is_array($answer) ? (string)($answer['reason'] ?? '') : '',
        ]);
        return null;
    }

    /**
     * Returns the extension's settings, or null when the API is not
     * configured (nothing to ask).
     *
     * @return array{url: string, tokenFile: string, source: string, timeout: float}|null
     */
    private function settings(): ?array
    {
        try {
            $config = $this->configuration->get('keysync');
        } catch (\Throwable $e) {
            return null; // the extension was never configured
        }
        if (!is_array($config)) {
            return null;
        }
        $url = rtrim(trim((string)($config['apiUrl'] ?? '')), '/');
        $tokenFile = trim((string)($config['tokenFile'] ?? ''));
        $source = trim((string)($config['source'] ?? ''));
        if ($url === '' || $tokenFile === '' || $source === '') {
            return null;
        }
        $timeout = (float)($config['timeout'] ?? self::MAX_TIMEOUT);
        if ($timeout <= 0 || $timeout > self::MAX_TIMEOUT) {
            $timeout = self::MAX_TIMEOUT;
        }
        return ['url' => $url, 'tokenFile' => $tokenFile, 'source' => $source, 'timeout' => $timeout];
    }

    /**
     * Reads the token from its file. The message of a failure names the
     * file, never its content.
     */
    private function token(string $file): string
    {
        $token = is_file($file) && is_readable($file) ? file_get_contents($file, false, null, 0, 65536) : false;
        if ($token === false || trim($token) === '') {
            throw new \RuntimeException('cannot read the token from ' . $file . ' (tokenFile of the extension configuration)');
        }
        return trim($token);
    }
}
