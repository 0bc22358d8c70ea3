package scnettest

import (
	"encoding/json"
	"net/http"
)

// handleDetail serves GET /ai/openapi/v2/instance-service/{id}/detail. An
// unknown id answers HTTP 200, code "10004" (参数无效) and data null: SCNet
// documents no not-found code, and an id it does not know is, to it, an
// invalid parameter. WithUnknownIDAsNull switches to code "0", data null.
func (s *RegionServer) handleDetail(w http.ResponseWriter, r *http.Request, id string) {
	rec, ok := s.lookup(w, r, id)
	if !ok {
		return
	}
	writeOK(w, json.RawMessage(rec.encode(true)))
}

// lookup authorizes a per-instance request and finds its instance; when it
// reports false it has already answered.
func (s *RegionServer) lookup(w http.ResponseWriter, r *http.Request, id string) (Record, bool) {
	if !s.authorize(w, r) {
		return Record{}, false
	}
	rec, ok := s.Get(id)
	if !ok {
		s.writeUnknownID(w)
		return Record{}, false
	}
	return rec, true
}

func (s *RegionServer) writeUnknownID(w http.ResponseWriter) {
	if s.srv.cfg.unknownAsNull {
		writeOK(w, nil)
		return
	}
	writeError(w, CodeInvalidParams)
}
