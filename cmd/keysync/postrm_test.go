package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"testing"
)

// TestPostrm_PurgeRemovesSecrets runs the package's postrm in a scratch
// root: purge removes the DSN files (passwords) and keysync.env, keeps
// what the operator put there otherwise, and remove (not purge) keeps all.
func TestPostrm_PurgeRemovesSecrets(t *testing.T) {
	script, err := filepath.Abs(filepath.Join(unitDir, "debian", "keysync.postrm"))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		action string
		want   []string
	}{
		{"remove", []string{"central.dsn", "keysync.env", "notes.txt", "shop.dsn"}},
		{"purge", []string{"notes.txt"}},
	} {
		t.Run(tc.action, func(t *testing.T) {
			root := t.TempDir()
			etc := filepath.Join(root, "etc", "keysync")
			bin := filepath.Join(root, "bin")
			for _, d := range []string{etc, bin} {
				if err := os.MkdirAll(d, 0o750); err != nil {
					t.Fatal(err)
				}
			}
			for _, f := range []string{"central.dsn", "shop.dsn", "keysync.env", "notes.txt"} {
				mustWrite(t, filepath.Join(etc, f), []byte("k:secret@tcp(db:3306)/k\n"), 0o640)
			}
			// dpkg-statoverride as a stand-in that knows no override.
			mustWrite(t, filepath.Join(bin, "dpkg-statoverride"), []byte("#!/bin/sh\nexit 1\n"), 0o755)
			cmd := exec.Command("/bin/sh", script, tc.action)
			cmd.Env = []string{"DPKG_ROOT=" + root, "PATH=" + bin + ":/usr/bin:/bin"}
			if out, err := cmd.CombinedOutput(); err != nil {
				t.Fatalf("postrm %s: %v\n%s", tc.action, err, out)
			}
			entries, err := os.ReadDir(etc)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, e := range entries {
				got = append(got, e.Name())
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("after %s /etc/keysync holds %q, want %q", tc.action, got, tc.want)
			}
		})
	}
}
