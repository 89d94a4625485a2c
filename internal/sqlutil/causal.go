package sqlutil

import (
	"context"
	"database/sql/driver"
	"fmt"
)

// causalReads turns on wsrep_sync_wait's read bit on a Galera node and
// leaves any other server alone. Without it a daemon writing through one
// node can read a portal row that another daemon wrote back after its
// central commit on another node, while its own node has not applied that
// commit yet: it would take the row's number and Wibisoft ids for values
// to adopt and insert them a second time.
const causalReads = `SET SESSION wsrep_sync_wait = IF(@@global.wsrep_on, @@session.wsrep_sync_wait | 1, @@session.wsrep_sync_wait)`

// causalConnector runs causalReads on every new connection. A server
// without the wsrep variables (MySQL, a MariaDB built without Galera)
// answers 1193, unknown system variable, and is no Galera node.
type causalConnector struct{ driver.Connector }

func (c causalConnector) Connect(ctx context.Context) (driver.Conn, error) {
	conn, err := c.Connector.Connect(ctx)
	if err != nil {
		return nil, err
	}
	ex, ok := conn.(driver.ExecerContext)
	if !ok {
		return conn, nil
	}
	if _, err := ex.ExecContext(ctx, causalReads, nil); err != nil && !isCode(err, 1193) {
		conn.Close()
		return nil, fmt.Errorf("causal reads: %w", err)
	}
	return conn, nil
}
