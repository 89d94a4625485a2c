//go:build galera

package main

import (
	"fmt"
	"os"
	"strconv"
	"testing"

	"keysync/internal/mariadbd"
)

// TestGalera_RolloutFigure measures the rollout figure of the README's
// "Central store on a Galera cluster": a rollout with the central and the
// portal database on one node of a three-node Galera cluster against the
// same rollout on a single server with the same settings, both started
// here and measured in the same run, printed as a ratio. It fails when
// either rollout's result is wrong (verifyRollout). The backlog is
// KEYSYNC_BENCH_BACKLOG, 20,000 by default.
func TestGalera_RolloutFigure(t *testing.T) {
	backlog := 20000
	if v := os.Getenv("KEYSYNC_BENCH_BACKLOG"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			t.Fatalf("KEYSYNC_BENCH_BACKLOG=%q is not a positive number", v)
		}
		backlog = n
	}
	single := mariadbd.Start(t)
	cluster := mariadbd.StartCluster(t, 3)
	var rates []float64
	for _, s := range []*mariadbd.Server{single, cluster.Nodes[0]} {
		srv, err := openServer(t.Context(), s.DSN(""), os.Stderr)
		if err != nil {
			t.Fatal(err)
		}
		r, err := srv.rollout(t.Context(), backlog, 500, 1)
		srv.close(t.Context(), false)
		if err != nil {
			t.Fatalf("%s: %v", s, err)
		}
		rates = append(rates, r.NumbersPerSec)
	}
	fmt.Printf("rollout of %d users, batch 500: single server %.0f/s, through a node of a 3-node Galera cluster %.0f/s: %.2fx\n",
		backlog, rates[0], rates[1], rates[1]/rates[0])
}
