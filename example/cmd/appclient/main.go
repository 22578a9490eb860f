// Command appclient plays a mobile app against the example site in demo
// mode: SDK login on the fake Kakao, token sign-in, API calls, logout.
//
//	go run ./example &                 # the site, demo mode
//	go run ./example/cmd/appclient     # the app
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/kakaologin/kakaologin/example/appclient"
)

func main() {
	base := flag.String("url", "http://localhost:8080", "the example site's URL")
	user := flag.String("user", "2984711002", "the fake Kakao user to log in (demo mode)")
	name := flag.String("name", "앱 사용자", "the name a new user signs up with")
	flag.Parse()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c := &appclient.Client{Base: *base, SDK: appclient.DemoSDK(nil, *base, *user), Name: *name, Log: os.Stdout}
	if _, err := c.Run(ctx); err != nil {
		fmt.Fprintln(os.Stderr, "appclient:", err)
		os.Exit(1)
	}
}
