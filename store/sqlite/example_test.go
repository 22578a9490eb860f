package sqlite_test

import (
	"context"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"time"

	"github.com/kakaologin/kakaologin/store"
	"github.com/kakaologin/kakaologin/store/sqlite"
)

func ExampleOpen() {
	dir, err := os.MkdirTemp("", "kakaologin-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)

	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(dir, "sessions.db"),
		sqlite.WithBusyTimeout(2*time.Second),
		sqlite.WithCleanupInterval(time.Minute))
	if err != nil {
		log.Fatal(err) // names the path; matches store.ErrUnavailable when the file is unusable
	}
	defer st.Close()

	if err := st.Commit(ctx, "hashed-token", []byte("session record"), time.Now().Add(time.Hour)); err != nil {
		log.Fatal(err)
	}
	b, found, err := st.Find(ctx, "hashed-token")
	fmt.Println(string(b), found, err)
	// Output: session record true <nil>
}

func ExampleBackend() {
	dir, err := os.MkdirTemp("", "kakaologin-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)

	// The busy timeout and cleanup interval may also travel in the URL.
	st, err := store.Open(context.Background(),
		"sqlite://"+filepath.Join(dir, "sessions.db")+"?busy_timeout=2s&cleanup_interval=1m",
		sqlite.Backend)
	if err != nil {
		log.Fatal(err)
	}
	defer st.Close()
	fmt.Println(st.Ping(context.Background()))
	// Output: <nil>
}
