package kakaotest

import (
	"encoding/json"
	"html/template"
	"net/http"
	"slices"
	"strings"
)

// writeJSON answers with Kakao's JSON content type.
func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json;charset=UTF-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// kauthError writes a kauth-style error body.
func kauthError(w http.ResponseWriter, status int, errValue, code, desc string) {
	writeJSON(w, status, map[string]string{"error": errValue, "error_description": desc, "error_code": code})
}

var errorPageTmpl = template.Must(template.New("err").Parse(`<!doctype html>
<html lang="ko"><head><meta charset="utf-8"><title>카카오계정 오류 {{.Code}}</title>
<style>body{font-family:system-ui,sans-serif;background:#f5f5f5;margin:0}
.box{max-width:420px;margin:80px auto;background:#fff;padding:32px;border-radius:12px}
h1{font-size:20px}.code{background:#FEE500;display:inline-block;padding:4px 10px;border-radius:6px}</style>
</head><body><div class="box"><h1>잠시 후 다시 시도해 주세요</h1>
<p class="code" id="koe">{{.Code}}</p><p>{{.Message}}</p>
{{range $i, $b := .Back}}<p><a{{if not $i}} id="back"{{end}} href="{{$b}}">서비스로 돌아가기{{if gt (len $.Back) 1}} ({{$b}}){{end}}</a></p>{{end}}</div></body></html>`))

// errorPage renders Kakao's non-redirect error page with a KOE code.
func (s *Server) errorPage(w http.ResponseWriter, status int, code, msg string) {
	s.errorPageBack(w, status, code, msg)
}

// errorPageBack is errorPage with a link back to each service in back
// (origins of registered redirect URIs), or none when back is empty.
func (s *Server) errorPageBack(w http.ResponseWriter, status int, code, msg string, back ...string) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("X-Kakaotest-Error-Code", code)
	w.WriteHeader(status)
	_ = errorPageTmpl.Execute(w, map[string]any{"Code": code, "Message": msg, "Back": slices.DeleteFunc(back, func(b string) bool { return b == "" })})
}

// splitList splits a comma list (and a space list when spaces is true),
// dropping empty items.
func splitList(v string, spaces bool) []string {
	f := func(r rune) bool { return r == ',' || (spaces && (r == ' ' || r == '+')) }
	return strings.FieldsFunc(v, f)
}

// parseStringArray parses a JSON string array parameter such as
// property_keys or scopes. ok is false for anything else.
func parseStringArray(v string) ([]string, bool) {
	var out []string
	if err := json.Unmarshal([]byte(v), &out); err != nil {
		return nil, false
	}
	return out, true
}

// parseIDArray parses a JSON array of user IDs (target_ids). Numbers must
// be integers; decoding goes through json.Number to keep IDs above 2^53.
func parseIDArray(v string) ([]int64, bool) {
	dec := json.NewDecoder(strings.NewReader(v))
	dec.UseNumber()
	var raw []json.Number
	if err := dec.Decode(&raw); err != nil || dec.More() {
		return nil, false
	}
	out := make([]int64, 0, len(raw))
	for _, n := range raw {
		id, err := n.Int64()
		if err != nil {
			return nil, false
		}
		out = append(out, id)
	}
	return out, true
}
