package keysync

// Log attribute keys. Constants keep every log line greppable by the same
// names, which is what admins filter journald output on.
const (
	LogSource   = "source"
	LogUID      = "uid"
	LogNumber   = "number"
	LogHH       = "hh_id"
	LogPE       = "pe_id"
	LogKind     = "kind"
	LogValue    = "value"
	LogErr      = "err"
	LogCount    = "count"
	LogDuration = "duration"
	LogDryRun   = "dry_run"
	LogOld      = "old"
	LogReason   = "reason"
	LogSink     = "sink"
	LogFull     = "full"
	LogChanged  = "changed"
	LogRemoved  = "removed"
	LogPath     = "path"
	LogField    = "field"
)
