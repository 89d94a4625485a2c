package main

import (
	"encoding/json"
	"fmt"
	"io"
	"text/tabwriter"
)

// xlsxMemGoal is the peak memory the full export of the Excel list may
// take, in MiB, as the README states it.
const xlsxMemGoal = 256

// report is everything one run measured; -json prints it as it is.
type report struct {
	Options options       `json:"options"`
	Cores   int           `json:"cores"`
	Go      string        `json:"go"`
	XLSX    xlsxResult    `json:"xlsx"`
	CardDAV carddavResult `json:"carddav"`
}

func (r *report) writeJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}

func verdict(pass bool) string {
	if pass {
		return "PASS"
	}
	return "MISS"
}

func (r *report) writeText(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "keysync-sinkbench: %d cores, %s\n", r.Cores, r.Go)
	if r.Options.Quick {
		fmt.Fprintln(tw, "quick run: sizes for a smoke test, not for the README")
	}
	if x := r.XLSX; x.Persons > 0 {
		fmt.Fprintf(tw, "Excel list, full export of %d persons\n", x.Persons)
		fmt.Fprintf(tw, "  xlsx\t%.1f s, %.0f MiB peak, %d MiB file\t%.2fx the CSV's time\n",
			x.XLSX.Seconds, x.XLSX.PeakRSSMiB, x.XLSX.Bytes>>20, x.XLSX.Seconds/x.CSV.Seconds)
		fmt.Fprintf(tw, "  same rows as CSV (baseline)\t%.1f s, %.0f MiB peak, %d MiB file\t\n", x.CSV.Seconds, x.CSV.PeakRSSMiB, x.CSV.Bytes>>20)
		fmt.Fprintf(tw, "  generating the persons alone\t%.1f s, %.0f MiB peak\t\n", x.Generate.Seconds, x.Generate.PeakRSSMiB)
		fmt.Fprintf(tw, "  peak memory of the xlsx export\t%.0f MiB\tgoal <= %d MiB: %s\n", x.XLSX.PeakRSSMiB, xlsxMemGoal, verdict(x.XLSX.PeakRSSMiB <= xlsxMemGoal))
	}
	if c := r.CardDAV; c.Contacts > 0 {
		writes := c.Requests["PUT"] + c.Requests["DELETE"]
		fmt.Fprintf(tw, "CardDAV, incremental export of %d changes among %d contacts (Radicale)\n", c.Changes, c.Contacts)
		fmt.Fprintf(tw, "  requests sent\t%v: %d writes\twrites = changes: %s\n", c.Requests, writes, verdict(writes == c.Changes))
		fmt.Fprintf(tw, "  time\t%.2f s\t%.2fx the baseline\n", c.Seconds, c.Seconds/c.BaselineSeconds)
		fmt.Fprintf(tw, "  baseline: %d unconditional PUT/DELETE\t%.2f s\t\n", c.BaselineRequests, c.BaselineSeconds)
	}
	return tw.Flush()
}
