package main

import (
	"os"
	"regexp"
	"strings"
	"testing"

	"keysync/config"
)

// TestREADME_ListsEveryVariable keeps the README's configuration tables
// true: every variable keysync reads is documented there, and the README
// documents none that keysync does not read.
func TestREADME_ListsEveryVariable(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	re := regexp.MustCompile(`KEYSYNC_[A-Z0-9_<>]+`)
	inCode := map[string]bool{}
	for _, v := range re.FindAllString(config.Usage(), -1) {
		inCode[v] = true
	}
	inReadme := map[string]bool{}
	for _, v := range re.FindAllString(string(readme), -1) {
		inReadme[v] = true
	}
	for v := range inCode {
		if strings.HasSuffix(v, "_") {
			continue // a prefix in prose, such as KEYSYNC_SOURCE_<NAME>_
		}
		if !inReadme[v] {
			t.Errorf("README.md does not document %s", v)
		}
	}
	for v := range inReadme {
		if strings.HasPrefix(v, "KEYSYNC_TEST_") || v == "KEYSYNC_USER_ID" || v == "KEYSYNC_SOURCE" {
			continue // test settings, the after-write command's environment and a setting of the WordPress plugin
		}
		if v == "KEYSYNC_API_URL" || v == "KEYSYNC_API_TOKEN" || v == "KEYSYNC_API_TIMEOUT" {
			continue // the WordPress plugin's settings, read by PHP
		}
		if strings.HasPrefix(v, "KEYSYNC_SOURCE_") && !strings.HasPrefix(v, "KEYSYNC_SOURCE_<NAME>_") ||
			strings.HasPrefix(v, "KEYSYNC_SINK_") && !strings.HasPrefix(v, "KEYSYNC_SINK_<NAME>_") {
			continue // an example with a real source or sink name
		}
		if !inCode[v] {
			t.Errorf("README.md documents %s, which keysync does not read", v)
		}
	}
}
