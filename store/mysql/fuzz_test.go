package mysql

import (
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/kakaologin/kakaologin/store/internal/redact"
)

// FuzzOpenURL: no store URL panics the parsing Open does before it
// connects, its errors never show the password, and every URL it accepts
// yields the driver settings the statements rely on.
func FuzzOpenURL(f *testing.F) {
	for _, s := range []string{
		"mysql://127.0.0.1:3306/test",
		"mysql://u:p@h:1/db?tls=true&timeout=3s&readTimeout=1s",
		"mariadb://h/db?table_prefix=kl_&max_conns=3&cleanup_interval=1m&create_tables=false",
		"mysql://h/db?clientFoundRows=true&parseTime=false&loc=Asia%2FSeoul",
		"mysql://h/db?time_zone=%27%2B09%3A00%27&interpolateParams=false",
		"mysql://[::1]:3306/a%2Fb",
		"mysql://h/db?password=x&timeout=soon",
		"mysql://h:99999/db?charset=sjis",
	} {
		f.Add(s)
	}
	const secret = "Zq9secretZq9"
	f.Fuzz(func(t *testing.T, raw string) {
		u, err := url.Parse(raw)
		if err != nil {
			return
		}
		u.Scheme = "mysql"
		u.User = url.UserPassword("app", secret)
		full := *u
		cfg := defaultConfig()
		err = takeURLParams(u, &cfg)
		if err == nil {
			dcfg, derr := driverConfig(u)
			if derr == nil {
				if dcfg.Passwd != secret || !dcfg.ParseTime || dcfg.Loc != time.UTC || dcfg.ClientFoundRows {
					t.Errorf("URL %q: driver config %+v lacks what the statements rely on", raw, dcfg)
				}
				if dcfg.ReadTimeout <= 0 || dcfg.WriteTimeout <= 0 || dcfg.Timeout <= 0 {
					t.Errorf("URL %q: a timeout is off: %v %v %v", raw, dcfg.Timeout, dcfg.ReadTimeout, dcfg.WriteTimeout)
				}
				_ = checkTablePrefix(cfg.tablePrefix)
				return
			}
			err = derr
		}
		// As Open writes them.
		msg := "mysql: bad URL " + redact.URL(u) + ": " + redact.Secrets(err.Error(), &full)
		if strings.Contains(msg, secret) {
			t.Errorf("error shows the password: %s", msg)
		}
	})
}
