package main

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/robfig/cron/v3"

	"keysync/config"
	keysync "keysync/sync"
)

// sinkSchedule exports to one sink at the times its _SCHEDULE names. One
// goroutine per sink, so exports to a sink never overlap; a failed export
// is logged, kept for keysync status and tried again at the next time.
type sinkSchedule struct {
	schedule cron.Schedule
	spec     string
	sink     keysync.Sink
	x        *sinkExport
	met      *metrics
	log      *slog.Logger
	now      func() time.Time
	// after waits for a duration; tests replace it.
	after func(time.Duration) <-chan time.Time
}

// startSinkSchedules starts the schedule of every sink that has one, each
// in a goroutine tracked by wg that ends when ctx does. A sink its package
// refuses is a configuration error.
func startSinkSchedules(ctx context.Context, a *app, wg *sync.WaitGroup, met *metrics) error {
	x := a.sinkExport()
	for _, sc := range a.cfg.Sinks {
		if sc.Schedule == "" {
			a.log.Info("sink exports only on demand", keysync.LogSink, sc.Name)
			continue
		}
		s, err := newSinkSchedule(sc, x, met, a.log)
		if err != nil {
			return err
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			s.run(ctx)
		}()
	}
	return nil
}

func newSinkSchedule(sc config.Sink, x *sinkExport, met *metrics, log *slog.Logger) (*sinkSchedule, error) {
	sched, err := config.ParseSchedule(sc.Schedule)
	if err != nil {
		return nil, err // Load validated the spec
	}
	sinks, err := buildSinks([]config.Sink{sc}, sc.Name, log)
	if err != nil {
		return nil, err
	}
	return &sinkSchedule{schedule: sched, spec: sc.Schedule, sink: sinks[0], x: x, met: met,
		log: log.With("component", "export-schedule", keysync.LogSink, sc.Name), now: time.Now, after: time.After}, nil
}

func (s *sinkSchedule) run(ctx context.Context) {
	t := timetable{schedule: s.schedule, spec: s.spec, now: s.now, after: s.after, log: s.log, what: "export", level: slog.LevelDebug}
	t.run(ctx, s.once)
}

// once brings the sink up to date and counts how it went.
func (s *sinkSchedule) once(ctx context.Context) {
	e := s.x.run(ctx, s.sink, false, false)
	if e.Busy {
		s.log.Info("export skipped: another keysync is exporting the sink", keysync.LogErr, e.Error)
		return
	}
	s.met.observeExport(e)
}
