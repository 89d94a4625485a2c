module keysync

go 1.26.0

require (
	filippo.io/edwards25519 v1.2.0 // indirect
	github.com/DATA-DOG/go-sqlmock v1.5.2 // indirect
	github.com/go-sql-driver/mysql v1.10.1 // indirect
	github.com/kelseyhightower/envconfig v1.4.0 // indirect
	github.com/lmittmann/tint v1.2.1 // indirect
	github.com/robfig/cron/v3 v3.0.1 // indirect
	golang.org/x/net v0.62.0 // indirect
	golang.org/x/text v0.44.0 // indirect
)
