package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"time"

	"keysync/internal/sinktest"
	"keysync/sinks/columns"
	"keysync/sinks/csvfile"
	"keysync/sinks/xlsx"
	keysync "keysync/sync"
)

// seed makes every run export the same persons.
const seed = 1

// childResult is what a child process reports, and what its parent adds.
type childResult struct {
	Seconds    float64 `json:"seconds"`
	Written    int     `json:"written"`
	Bytes      int64   `json:"bytes"`
	PeakRSSMiB float64 `json:"peak_rss_mib"`
}

// xlsxResult compares the Excel list with the same rows as plain CSV;
// generating the persons alone is measured too, since both include it.
type xlsxResult struct {
	Persons  int         `json:"persons"`
	XLSX     childResult `json:"xlsx"`
	CSV      childResult `json:"csv"`
	Generate childResult `json:"generate"`
}

// benchXLSX runs the three children one after the other.
func benchXLSX(ctx context.Context, persons int, dir string, progress io.Writer) (xlsxResult, error) {
	r := xlsxResult{Persons: persons}
	for _, c := range []struct {
		kind string
		into *childResult
	}{{"generate", &r.Generate}, {"csv", &r.CSV}, {"xlsx", &r.XLSX}} {
		fmt.Fprintf(progress, "xlsx: %s of %d persons\n", c.kind, persons)
		res, err := child(ctx, c.kind, persons, filepath.Join(dir, "liste."+c.kind))
		if err != nil {
			return r, fmt.Errorf("%s: %w", c.kind, err)
		}
		*c.into = res
	}
	return r, nil
}

// child runs one export in a process of its own and reads its peak memory.
func child(ctx context.Context, kind string, persons int, out string) (childResult, error) {
	self, err := os.Executable()
	if err != nil {
		return childResult{}, err
	}
	cmd := exec.CommandContext(ctx, self, "-child", kind, "-persons", strconv.Itoa(persons), "-out", out)
	cmd.Stderr = os.Stderr
	b, err := cmd.Output()
	if err != nil {
		return childResult{}, err
	}
	var r childResult
	if err := json.Unmarshal(b, &r); err != nil {
		return r, fmt.Errorf("child report %q: %w", b, err)
	}
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		r.PeakRSSMiB = float64(ru.Maxrss) / 1024 // Linux reports KiB
	}
	if st, err := os.Stat(out); err == nil {
		r.Bytes = st.Size()
		_ = os.Remove(out)
	}
	return r, nil
}

// runChild is the child: one full export of generated persons, timed.
func runChild(ctx context.Context, o options, stdout io.Writer) error {
	var sink keysync.Sink
	var err error
	switch o.child {
	case "xlsx":
		sink, err = xlsx.New(xlsx.Config{Name: "liste", Path: o.out, TmpDir: filepath.Dir(o.out)})
	case "csv":
		sink, err = csvfile.New(csvfile.Config{Name: "liste", Kind: csvfile.Excel, Path: o.out, Columns: columns.List})
	case "generate":
	default:
		return fmt.Errorf("unknown child %q", o.child)
	}
	if err != nil {
		return err
	}
	start := time.Now()
	var res keysync.Result
	persons := sinktest.Persons(seed, o.Persons)
	if sink == nil {
		for _, err := range persons {
			if err != nil {
				return err
			}
			res.Written++
		}
	} else if res, err = sink.Export(ctx, keysync.Delivery{Full: true, Persons: persons}); err != nil {
		return err
	}
	return json.NewEncoder(stdout).Encode(childResult{Seconds: time.Since(start).Seconds(), Written: res.Written})
}
