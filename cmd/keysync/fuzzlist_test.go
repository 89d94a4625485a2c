package main

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// TestMakefile_FuzzesEveryTarget: make fuzz runs every fuzz target of the
// tree, each in its own package, and names none that is gone.
func TestMakefile_FuzzesEveryTarget(t *testing.T) {
	makefile, err := os.ReadFile("../../Makefile")
	if err != nil {
		t.Fatal(err)
	}
	listed := regexp.MustCompile(`([a-z0-9/]+):(Fuzz[A-Za-z0-9]+)`).FindAllStringSubmatch(string(makefile), -1)
	var inMake []string
	for _, m := range listed {
		inMake = append(inMake, m[1]+":"+m[2])
	}
	funcRE := regexp.MustCompile(`(?m)^func (Fuzz[A-Za-z0-9]+)\(f \*testing\.F\)`)
	var inCode []string
	err = filepath.WalkDir("../..", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, "_test.go") {
			return err
		}
		src, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		pkg := filepath.ToSlash(filepath.Dir(strings.TrimPrefix(path, "../../")))
		for _, m := range funcRE.FindAllStringSubmatch(string(src), -1) {
			inCode = append(inCode, pkg+":"+m[1])
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(inCode) == 0 {
		t.Fatal("no fuzz targets found in the tree")
	}
	slices.Sort(inMake)
	slices.Sort(inCode)
	if !slices.Equal(inMake, inCode) {
		t.Errorf("make fuzz runs\n  %v\nthe tree has\n  %v", inMake, inCode)
	}
}
