package scnettest

import (
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"slices"
	"strings"
	"time"

	"scnetbot/scnet"
)

// Action names one of the endpoints that act on instances, for the action
// knobs (FailNextAction, HoldNextAction) and ActionCount.
type Action string

// The actions the simulator serves.
const (
	// ActionRestart is POST …/instance-service/task/actions/restart?instanceServiceId=.
	ActionRestart Action = "restart"
	// ActionStop is POST …/instance-service/task/actions/stop?ids=.
	ActionStop Action = "stop"
	// ActionDelete is DELETE …/instance-service/task?ids=.
	ActionDelete Action = "delete"
	// ActionURL is GET …/instance-service/{id}/url.
	ActionURL Action = "url"
)

// DefaultRestartDelay is how long a restarted instance stays Deploying
// before it is Running, on the simulator's clock (see WithRestartDelay).
const DefaultRestartDelay = 20 * time.Second

// actionOf tells which action a request is for, if any.
func actionOf(method, path string) (Action, bool) {
	switch {
	case method == http.MethodPost && path == aiPrefix+"task/actions/restart":
		return ActionRestart, true
	case method == http.MethodPost && path == aiPrefix+"task/actions/stop":
		return ActionStop, true
	case method == http.MethodDelete && path == aiPrefix+"task":
		return ActionDelete, true
	case method == http.MethodGet && strings.HasPrefix(path, aiPrefix) && strings.HasSuffix(path, "/url") &&
		strings.Count(path[len(aiPrefix):], "/") == 1:
		return ActionURL, true
	}
	return "", false
}

// reply is what an action handler has decided to write.
type reply struct {
	code, msg string
	data      any
}

// serveAction authorizes an action request, applies its knobs and, unless
// a knob fails it, apply; then it writes apply's answer, after the hold a
// knob asked for. A failed call changes nothing; a held one has changed
// the instance before the hold starts, so a client that gives up waiting
// cannot tell whether it happened.
func (s *RegionServer) serveAction(w http.ResponseWriter, r *http.Request, a Action, apply func() reply) {
	if !s.authorize(w, r) {
		return
	}
	k := s.takeActionKnob(a)
	if k.code != "" {
		writeError(w, k.code)
		return
	}
	ans := apply()
	if k.hold > 0 {
		t := time.NewTimer(k.hold)
		select {
		case <-t.C:
		case <-r.Context().Done():
			t.Stop()
			return
		}
	}
	if ans.code != CodeOK {
		writeErrorMsg(w, ans.code, ans.msg)
		return
	}
	writeOK(w, ans.data)
}

func refuse(code, msg string) reply { return reply{code: code, msg: msg} }

// handleRestart serves restart. Assumed, as SCNet documents only the
// request and that data is the id: an instance that has ended (Failed,
// Terminated or Completed) becomes Deploying at once and Running after
// the restart delay on the simulator's clock; a live one (Waiting,
// Deploying, Running) is refused with 10004 (参数无效), since SCNet
// documents no code of its own for it; an unknown id answers 10004 too,
// and a missing instanceServiceId 10003 (参数不全).
func (s *RegionServer) handleRestart(w http.ResponseWriter, r *http.Request) {
	s.serveAction(w, r, ActionRestart, func() reply {
		id := r.URL.Query().Get("instanceServiceId")
		if id == "" {
			return refuse(CodeMissingParams, Message(CodeMissingParams))
		}
		s.mu.Lock()
		defer s.mu.Unlock()
		e, ok := s.data.byID[id]
		switch {
		case !ok:
			return refuse(CodeInvalidParams, Message(CodeInvalidParams))
		case e.rec.Status.Live():
			return refuse(CodeInvalidParams, "参数无效：实例状态为"+string(e.rec.Status)+"，不能重启")
		}
		s.setStatus(e, scnet.StatusDeploying)
		s.pending[id] = s.now().Add(s.srv.cfg.restartDelay)
		s.pendingN.Store(int32(len(s.pending)))
		return reply{code: CodeOK, data: id}
	})
}

// handleStop serves the undocumented stop. Assumed: every instance named
// by ids (repeated) must exist and be live, or nothing is stopped and the
// answer is 10004 (参数无效); each becomes Terminated with endTime now;
// data is null. No ids answers 10003 (参数不全).
func (s *RegionServer) handleStop(w http.ResponseWriter, r *http.Request) {
	s.serveAction(w, r, ActionStop, func() reply {
		ids := idsOf(r)
		if len(ids) == 0 {
			return refuse(CodeMissingParams, Message(CodeMissingParams))
		}
		s.mu.Lock()
		defer s.mu.Unlock()
		es := make([]*entry, 0, len(ids))
		for _, id := range ids {
			e, ok := s.data.byID[id]
			switch {
			case !ok:
				return refuse(CodeInvalidParams, Message(CodeInvalidParams))
			case !e.rec.Status.Live():
				return refuse(CodeInvalidParams, "参数无效：实例状态为"+string(e.rec.Status)+"，不能停止")
			}
			es = append(es, e)
		}
		for _, e := range es {
			s.setStatus(e, scnet.StatusTerminated)
		}
		return reply{code: CodeOK}
	})
}

// handleDelete serves delete. SCNet documents the request, data null and
// the codes 716020 (查询数据库错误) and 716866 (删除任务失败), not when it
// sends them. Assumed: an id it does not have answers 716020, a live
// instance (Waiting, Deploying, Running: stop it first) 716866, and
// either deletes nothing; no ids answers 10003 (参数不全).
func (s *RegionServer) handleDelete(w http.ResponseWriter, r *http.Request) {
	s.serveAction(w, r, ActionDelete, func() reply {
		ids := idsOf(r)
		if len(ids) == 0 {
			return refuse(CodeMissingParams, Message(CodeMissingParams))
		}
		s.mu.Lock()
		defer s.mu.Unlock()
		es := make([]*entry, 0, len(ids))
		for _, id := range ids {
			e, ok := s.data.byID[id]
			switch {
			case !ok:
				return refuse(CodeDatabaseQuery, Message(CodeDatabaseQuery))
			case e.rec.Status.Live():
				return refuse(CodeDeleteFailed, Message(CodeDeleteFailed))
			}
			es = append(es, e)
		}
		for _, e := range es {
			s.remove(e)
		}
		return reply{code: CodeOK}
	})
}

// handleURL serves GET …/instance-service/{id}/url. Assumed, as SCNet
// documents only that data is a URL string: a Running instance answers
// its first http(s) port's access URL (a Jupyter-like one when it has
// none) with ?token= of AccessToken, the way Jupyter links carry theirs,
// so callers' stripping of secrets is exercised; an instance that is not
// Running answers 10004 (参数无效); an unknown id answers like detail.
func (s *RegionServer) handleURL(w http.ResponseWriter, r *http.Request, id string) {
	s.serveAction(w, r, ActionURL, func() reply {
		rec, ok := s.Get(id)
		switch {
		case !ok && s.srv.cfg.unknownAsNull:
			return reply{code: CodeOK}
		case !ok:
			return refuse(CodeInvalidParams, Message(CodeInvalidParams))
		case rec.Status != scnet.StatusRunning:
			return refuse(CodeInvalidParams, "参数无效：实例未运行")
		}
		return reply{code: CodeOK, data: s.accessURL(rec)}
	})
}

func (s *RegionServer) accessURL(rec Record) string {
	u := "https://ai01.scnet.cn:65011/ai/jupyter/" + rec.ID + "/lab"
	for _, p := range rec.Ports {
		if strings.HasPrefix(p.AccessURL, "https://") || strings.HasPrefix(p.AccessURL, "http://") {
			u = p.AccessURL
			break
		}
	}
	sep := "?"
	if strings.Contains(u, "?") {
		sep = "&"
	}
	return u + sep + "token=" + s.AccessToken(rec.ID)
}

// AccessToken is the secret the url endpoint puts in instance id's access
// URL (?token=), stable for the simulator's life and unguessable without
// its key, so a test can check it is never shown.
func (s *RegionServer) AccessToken(id string) string {
	sum := sha256.Sum256(append(append([]byte("access:"), s.srv.jwtKey...), id...))
	return hex.EncodeToString(sum[:12])
}

// AccessToken is the first region's; see RegionServer.AccessToken.
func (s *Server) AccessToken(id string) string { return s.primary.AccessToken(id) }

// idsOf reads the repeated ids parameter, without empty or repeated ids.
func idsOf(r *http.Request) []string {
	var ids []string
	for _, id := range r.URL.Query()["ids"] {
		if id != "" && !slices.Contains(ids, id) {
			ids = append(ids, id)
		}
	}
	return ids
}

// settle makes every restarted instance whose delay has passed Running.
// Called before the region is read, so a test that advances its clock
// sees the change on its next look, with or without a lifecycle ticker.
func (s *RegionServer) settle() {
	if s.pendingN.Load() == 0 {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	for id, due := range s.pending {
		if due.After(now) {
			continue
		}
		// setStatus drops the pending restart.
		if e, ok := s.data.byID[id]; ok && e.rec.Status == scnet.StatusDeploying {
			s.setStatus(e, scnet.StatusRunning)
		}
		delete(s.pending, id)
	}
	s.pendingN.Store(int32(len(s.pending)))
}

// forget drops id's pending restart: it was moved, replaced or deleted
// otherwise. Callers hold mu.
func (s *RegionServer) forget(id string) {
	if _, ok := s.pending[id]; ok {
		delete(s.pending, id)
		s.pendingN.Store(int32(len(s.pending)))
	}
}

// remove deletes e from the store. Callers hold mu.
func (s *RegionServer) remove(e *entry) {
	s.forget(e.rec.ID)
	s.data.remove(e)
}
