package main

import (
	"context"

	"keysync/internal/testdb"
)

// server is the MariaDB server the demo creates its databases on.
type server struct{ *testdb.Server }

func openServer(ctx context.Context, dsn string) (*server, error) {
	s, err := testdb.OpenServer(ctx, dsn)
	if err != nil {
		return nil, err
	}
	return &server{s}, nil
}

// recreate drops the databases if they exist and creates them empty.
func (s *server) recreate(ctx context.Context, names ...string) error {
	for _, name := range names {
		if err := s.Recreate(ctx, name); err != nil {
			return err
		}
	}
	return nil
}
