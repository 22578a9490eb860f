package kakaotest

import (
	"html/template"
	"net/http"
	"strconv"
)

var consentTmpl = template.Must(template.New("consent").Parse(`<!doctype html>
<html lang="ko"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1">
<title>카카오계정으로 로그인 (kakaotest)</title>
<style>
body{font-family:system-ui,-apple-system,"Apple SD Gothic Neo","Malgun Gothic",sans-serif;background:#f5f5f5;margin:0;color:#191919}
.box{max-width:420px;margin:40px auto;background:#fff;padding:28px;border-radius:12px;box-shadow:0 1px 4px rgba(0,0,0,.08)}
.logo{display:inline-block;background:#FEE500;border-radius:12px;padding:6px 12px;font-weight:700}
h1{font-size:20px;margin:16px 0 4px}.sub{color:#666;font-size:14px;margin:0 0 16px}
label{display:block;padding:6px 0;font-size:15px}select{width:100%;padding:8px;font-size:15px}
fieldset{border:1px solid #eee;border-radius:8px;margin:12px 0;padding:8px 12px}legend{font-size:13px;color:#666}
.req{color:#c00;font-size:12px}.opt{color:#888;font-size:12px}
.buttons{display:flex;gap:8px;margin-top:20px}
button{flex:1;border:0;border-radius:12px;padding:14px;font-size:16px;cursor:pointer}
#accept{background:#FEE500;color:rgba(0,0,0,.85);font-weight:700}#cancel{background:#eee}
.note{font-size:12px;color:#999;margin-top:16px}
</style></head><body><div class="box">
<span class="logo">kakao</span>
<h1>카카오계정으로 로그인</h1>
<p class="sub">테스트용 가짜 카카오 서버(kakaotest)입니다. 실제 카카오가 아닙니다.</p>
<form method="post" action="{{.Action}}">
<input type="hidden" name="p" value="{{.Pending}}">
<label for="user">로그인할 계정</label>
<select id="user" name="user">{{range .Users}}
<option value="{{.ID}}"{{if .Selected}} selected{{end}}>{{.Label}}</option>{{end}}
</select>
{{if .Items}}<fieldset><legend>앱이 요청하는 동의 항목</legend>{{range .Items}}
<label><input type="checkbox" id="scope-{{.ID}}" name="scope" value="{{.ID}}" checked{{if .Required}} disabled{{end}}>
{{.DisplayName}} {{if .Required}}<span class="req">[필수]</span>{{else}}<span class="opt">[선택]</span>{{end}}</label>{{end}}
</fieldset>{{end}}
{{if .Terms}}<fieldset><legend>서비스 약관</legend>{{range .Terms}}
<label><input type="checkbox" id="term-{{.Tag}}" name="term" value="{{.Tag}}" checked{{if .Required}} disabled{{end}}>
{{.Title}} {{if .Required}}<span class="req">[필수]</span>{{else}}<span class="opt">[선택]</span>{{end}}</label>{{end}}
</fieldset>{{end}}
<div class="buttons">
<button type="submit" id="cancel" name="action" value="cancel">취소</button>
<button type="submit" id="accept" name="action" value="accept">동의하고 계속하기</button>
</div></form>
<p class="note">필수 항목은 해제할 수 없습니다. 선택 항목은 체크를 해제해 거부할 수 있습니다.</p>
</div></body></html>`))

type pickerUser struct {
	ID       string
	Label    string
	Selected bool
}

// renderConsent shows the login + consent screen for a, with the items and
// terms account sel must consent to and sel chosen in the picker. Hold s.mu.
func (s *Server) renderConsent(w http.ResponseWriter, a authRequest, sel int64) {
	st, ok := s.users[sel]
	if !ok {
		s.errorPage(w, http.StatusInternalServerError, "KOE003", "kakaotest: no user to log in")
		return
	}
	items, terms := s.needs(st, a)
	id := randomHex(16)
	s.pending[id] = &pendingAuth{req: a, items: items, terms: terms, expires: s.now().Add(s.beh.CodeLifetime)}
	data := struct {
		Action, Pending string
		Users           []pickerUser
		Items           []ConsentItem
		Terms           []ServiceTerm
	}{Action: s.prefix + PathConsent, Pending: id}
	for _, uid := range s.order {
		u := s.users[uid]
		label := u.Nickname
		if u.Email != "" {
			label += " (" + u.Email + ")"
		}
		data.Users = append(data.Users, pickerUser{ID: strconv.FormatInt(uid, 10), Label: label, Selected: uid == sel})
	}
	for _, it := range items {
		ci, _ := s.scopeByID(it)
		data.Items = append(data.Items, ci)
	}
	for _, tag := range terms {
		t, _ := s.termByTag(tag)
		data.Terms = append(data.Terms, t)
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	_ = consentTmpl.Execute(w, data)
}
