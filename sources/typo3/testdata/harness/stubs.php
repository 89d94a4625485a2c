<?php

/*
 * Test only: the few TYPO3, Extbase, femanager, PSR-3 and Guzzle types the
 * keysync extension uses, small enough to read, so that its listeners and
 * hooks run under php-cli without a TYPO3 installation. The request
 * factory makes real HTTP requests (PHP's stream wrapper) and records their
 * options; the persistence manager runs the SQL the test gives it, as
 * Extbase would store the pending changes of the request.
 */

declare(strict_types=1);

namespace Psr\Log {
    interface LoggerInterface
    {
        public function warning($message, array $context = []): void;

        public function info($message, array $context = []): void;
    }
}

namespace GuzzleHttp\Exception {
    interface GuzzleException extends \Throwable
    {
    }

    class ConnectException extends \RuntimeException implements GuzzleException
    {
    }
}

namespace TYPO3\CMS\Core\Utility {
    class GeneralUtility
    {
        /** @var array<string, object> instances handed out instead of new ones */
        public static $instances = [];

        public static function makeInstance(string $class, ...$args): object
        {
            return self::$instances[$class] ?? new $class(...$args);
        }
    }
}

namespace TYPO3\CMS\Core\Log {
    class RecordingLogger implements \Psr\Log\LoggerInterface
    {
        /** @var list<array{level: string, message: string}> */
        public static $lines = [];

        public function warning($message, array $context = []): void
        {
            self::record('warning', $message, $context);
        }

        public function info($message, array $context = []): void
        {
            self::record('info', $message, $context);
        }

        private static function record(string $level, string $message, array $context): void
        {
            foreach ($context as $k => $v) {
                $message = str_replace('{' . $k . '}', (string)$v, $message);
            }
            self::$lines[] = ['level' => $level, 'message' => $message];
        }
    }

    class LogManager
    {
        public function getLogger(string $name): \Psr\Log\LoggerInterface
        {
            return new RecordingLogger();
        }
    }
}

namespace TYPO3\CMS\Core\Configuration {
    class ExtensionConfiguration
    {
        /** @return mixed */
        public function get(string $extension, string $path = '')
        {
            if (!isset($GLOBALS['TYPO3_CONF_VARS']['EXTENSIONS'][$extension])) {
                throw new \RuntimeException('extension ' . $extension . ' is not configured', 1509654728);
            }
            return $GLOBALS['TYPO3_CONF_VARS']['EXTENSIONS'][$extension];
        }
    }
}

namespace TYPO3\CMS\Core\Http {
    class Response
    {
        /** @var int */
        private $status;
        /** @var string */
        private $body;

        public function __construct(int $status, string $body)
        {
            $this->status = $status;
            $this->body = $body;
        }

        public function getStatusCode(): int
        {
            return $this->status;
        }

        public function getBody(): string
        {
            return $this->body;
        }
    }

    class RequestFactory
    {
        /** @var list<array{uri: string, method: string, options: array}> */
        public static $requests = [];

        public function request(string $uri, string $method = 'GET', array $options = []): Response
        {
            $logged = $options;
            unset($logged['headers']);
            $logged['authorization'] = isset($options['headers']['Authorization']) ? 'set' : 'none';
            self::$requests[] = ['uri' => $uri, 'method' => $method, 'options' => $logged];
            $headers = [];
            foreach ($options['headers'] ?? [] as $k => $v) {
                $headers[] = $k . ': ' . $v;
            }
            $previous = ini_set('default_socket_timeout', (string)($options['connect_timeout'] ?? 10));
            $context = stream_context_create(['http' => [
                'method' => $method,
                'header' => implode("\r\n", $headers),
                'timeout' => (float)($options['timeout'] ?? 0) ?: 60.0,
                'ignore_errors' => true,
                'follow_location' => 0,
                'content' => '',
            ]]);
            $body = @file_get_contents($uri, false, $context);
            ini_set('default_socket_timeout', (string)$previous);
            if ($body === false || !isset($http_response_header[0])) {
                $error = error_get_last();
                throw new \GuzzleHttp\Exception\ConnectException('connection to ' . $uri . ' failed: ' . ($error['message'] ?? 'no answer'));
            }
            preg_match('#^HTTP/\S+ (\d{3})#', $http_response_header[0], $m);
            return new Response((int)($m[1] ?? 0), $body);
        }
    }
}

namespace TYPO3\CMS\Extbase\Persistence {
    interface PersistenceManagerInterface
    {
        public function persistAll();
    }

    class SqlPersistenceManager implements PersistenceManagerInterface
    {
        /** @var \mysqli */
        private $db;
        /** @var list<string> */
        private $pending;
        /** @var int */
        public $calls = 0;

        public function __construct(\mysqli $db, array $pending)
        {
            $this->db = $db;
            $this->pending = $pending;
        }

        public function persistAll()
        {
            $this->calls++;
            foreach ($this->pending as $sql) {
                $this->db->query($sql);
            }
            $this->pending = [];
        }
    }
}

namespace In2code\Femanager\Domain\Model {
    class User
    {
        /** @var int */
        private $uid;

        public function __construct(int $uid)
        {
            $this->uid = $uid;
        }

        public function getUid(): ?int
        {
            return $this->uid;
        }
    }
}

namespace In2code\Femanager\Event {
    use In2code\Femanager\Domain\Model\User;

    final class FinalCreateEvent
    {
        /** @var User|null */
        private $user;

        public function __construct(?User $user, string $action)
        {
            $this->user = $user;
        }

        public function getUser(): ?User
        {
            return $this->user;
        }
    }

    final class UserWasConfirmedByAdminEvent
    {
        /** @var User */
        private $user;

        public function __construct($request, User $user)
        {
            $this->user = $user;
        }

        public function getUser(): User
        {
            return $this->user;
        }
    }
}

namespace TYPO3\CMS\Core\DataHandling {
    class DataHandler
    {
        /** @var array<string, int> */
        public $substNEWwithIDs = [];
    }
}
