package main

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	keysync "keysync/sync"
)

// assignPath is the one route of the registration API.
const assignPath = "/v1/sources/{source}/accounts/{id}/assign"

// assigner is what the API asks for a number: *keysync.Engine.
type assigner interface {
	AssignAccount(ctx context.Context, p keysync.Portal, id uint64) (keysync.Assignment, error)
}

// apiHandler serves the registration API: a portal asks, at registration,
// for the number of one account and gets it once it is committed
// centrally and written into the row, or a status that says why not. It
// bounds the requests worked on at once, checks the bearer token in
// constant time before anything else is looked at, and never logs the
// token.
type apiHandler struct {
	// tokenSum is the SHA-256 of the token: comparing sums takes the same
	// time whatever the length of what a client sends.
	tokenSum [sha256.Size]byte
	engine   assigner
	portals  map[string]keysync.Portal
	gates    map[string]*sourceGate
	slots    chan struct{}
	// work is the daemon's hard context: a request's work runs under it,
	// for at most timeout, so a client that gives up does not stop a
	// commit halfway (which would be safe, but leave the row to the poll).
	work    context.Context
	timeout time.Duration
	// retryAfter is what a 503 asks the client to wait: a poll interval.
	retryAfter time.Duration
	log        *slog.Logger
	now        func() time.Time
}

// apiWorkTimeout bounds one request's work; portals give up long before.
const apiWorkTimeout = 10 * time.Second

// apiOptions are the settings newAPIHandler takes.
type apiOptions struct {
	token       string
	maxInFlight int
	retryAfter  time.Duration
	work        context.Context
	log         *slog.Logger
}

func newAPIHandler(o apiOptions, engine assigner, portals []keysync.Portal, gates map[string]*sourceGate) *apiHandler {
	h := &apiHandler{tokenSum: sha256.Sum256([]byte(o.token)), engine: engine, portals: map[string]keysync.Portal{}, gates: gates,
		slots: make(chan struct{}, o.maxInFlight), work: o.work, timeout: apiWorkTimeout, retryAfter: o.retryAfter, log: o.log, now: time.Now}
	for _, p := range portals {
		h.portals[p.Source.Name()] = p
	}
	return h
}

// apiError is the body of every answer but 200.
type apiError struct {
	Error  string `json:"error"`
	Kind   string `json:"kind,omitempty"`
	Reason string `json:"reason,omitempty"`
}

// apiNumber is the body of a 200: the person's values and the decision.
type apiNumber struct {
	Number   string `json:"number"`
	HH       string `json:"hh_id"`
	PE       string `json:"pe_id"`
	Decision string `json:"decision"`
	// Review lists the kinds of the conflicts recorded for review that
	// withhold nothing (a shared mailbox, a suspected duplicate).
	Review []string `json:"review,omitempty"`
}

func (h *apiHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	select {
	case h.slots <- struct{}{}:
		defer func() { <-h.slots }()
	default:
		w.Header().Set("Retry-After", "1")
		h.reply(w, http.StatusTooManyRequests, apiError{Error: "busy", Reason: "too many requests at once; try again in a second"})
		return
	}
	if !h.authorized(r) {
		h.log.Warn("api request refused: no valid token", "remote", r.RemoteAddr, "path", r.URL.Path)
		w.Header().Set("WWW-Authenticate", `Bearer realm="keysync"`)
		h.reply(w, http.StatusUnauthorized, apiError{Error: "unauthorized", Reason: "send Authorization: Bearer <the token of KEYSYNC_API_TOKEN_FILE>"})
		return
	}
	source, id, ok := matchAssign(r.URL.Path)
	switch {
	case !ok:
		h.reply(w, http.StatusNotFound, apiError{Error: "not_found", Reason: "the API serves POST " + assignPath})
	case r.Method != http.MethodPost:
		w.Header().Set("Allow", http.MethodPost)
		h.reply(w, http.StatusMethodNotAllowed, apiError{Error: "method_not_allowed", Reason: "use POST"})
	case hasBody(r):
		h.reply(w, http.StatusRequestEntityTooLarge, apiError{Error: "body_not_allowed", Reason: "the request takes no body: everything is in the path"})
	default:
		h.assign(w, source, id)
	}
}

// authorized reports whether the request carries the token.
func (h *apiHandler) authorized(r *http.Request) bool {
	scheme, token, _ := strings.Cut(r.Header.Get("Authorization"), " ")
	sum := sha256.Sum256([]byte(token))
	return subtle.ConstantTimeCompare(sum[:], h.tokenSum[:]) == 1 && strings.EqualFold(scheme, "Bearer")
}

// matchAssign splits /v1/sources/{source}/accounts/{id}/assign.
func matchAssign(path string) (source, id string, ok bool) {
	parts := strings.Split(path, "/")
	if len(parts) != 7 || parts[0] != "" || parts[1] != "v1" || parts[2] != "sources" || parts[4] != "accounts" || parts[6] != "assign" {
		return "", "", false
	}
	return parts[3], parts[5], true
}

// hasBody reports whether the request carries a body. A chunked one is
// read for one byte: the server's read timeout bounds that.
func hasBody(r *http.Request) bool {
	if r.ContentLength > 0 {
		return true
	}
	if r.ContentLength == 0 || r.Body == nil {
		return false
	}
	n, _ := io.ReadFull(r.Body, make([]byte, 1))
	return n > 0
}

// parseAccountID reads an account id as portals write it: a decimal
// number from 1, without sign, spaces or leading zeros.
func parseAccountID(s string) (uint64, bool) {
	id, err := strconv.ParseUint(s, 10, 64)
	return id, err == nil && id > 0 && strconv.FormatUint(id, 10) == s
}

// assign answers one request for the number of source:id.
func (h *apiHandler) assign(w http.ResponseWriter, source, rawID string) {
	id, ok := parseAccountID(rawID)
	if !ok {
		h.reply(w, http.StatusBadRequest, apiError{Error: "bad_id", Reason: "the account id must be a number from 1 (the TYPO3 uid, the WordPress user ID)"})
		return
	}
	p, ok := h.portals[source]
	if !ok {
		h.reply(w, http.StatusNotFound, apiError{Error: "unknown_source", Reason: "no source of that name is configured"})
		return
	}
	log := h.log.With(keysync.LogSource, source, keysync.LogUID, id)
	if !h.gates[source].isOpen() {
		h.unavailable(w, "this keysync does not work the source now: another one does, or it is not checked yet; the poll numbers the account")
		log.Info("api request on standby")
		return
	}
	start := h.now()
	ctx, cancel := context.WithTimeout(h.work, h.timeout)
	defer cancel()
	as, err := h.engine.AssignAccount(ctx, p, id)
	status := h.answer(w, as, err)
	if err != nil && !errors.Is(err, keysync.ErrNoAccount) {
		log.Warn("api request failed", keysync.LogErr, err.Error())
	}
	log.Info("api request", "status", status, "decision", as.Action.String(), keysync.LogNumber, as.Number,
		keysync.LogDuration, h.now().Sub(start).Round(time.Microsecond).String())
}

// answer writes what AssignAccount did and returns the status.
func (h *apiHandler) answer(w http.ResponseWriter, as keysync.Assignment, err error) int {
	switch {
	case errors.Is(err, keysync.ErrNoAccount):
		return h.reply(w, http.StatusNotFound, apiError{Error: "unknown_account", Reason: "the source has no such account"})
	case err != nil:
		return h.unavailable(w, err.Error())
	case as.Status == keysync.NotConfirmed:
		return h.reply(w, http.StatusConflict, apiError{Error: "not_confirmed", Reason: as.Reason})
	case as.Status == keysync.Withheld:
		return h.reply(w, http.StatusConflict, apiError{Error: "conflict", Kind: string(as.Kind), Reason: as.Reason})
	}
	body := apiNumber{Number: as.Number, HH: as.HH, PE: as.PE, Decision: as.Action.String()}
	for _, cf := range as.Conflicts {
		body.Review = append(body.Review, string(cf.Kind))
	}
	return h.reply(w, http.StatusOK, body)
}

// unavailable answers 503 with the wait before the next try.
func (h *apiHandler) unavailable(w http.ResponseWriter, reason string) int {
	w.Header().Set("Retry-After", strconv.Itoa(max(1, int((h.retryAfter+time.Second-1)/time.Second))))
	return h.reply(w, http.StatusServiceUnavailable, apiError{Error: "unavailable", Reason: reason})
}

// reply writes body as JSON with the status and returns the status.
func (h *apiHandler) reply(w http.ResponseWriter, status int, body any) int {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(body) // a write error means the client went away
	return status
}
