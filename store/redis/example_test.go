package redis_test

import (
	"context"
	"errors"
	"log"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/kakaologin/kakaologin/store"
	"github.com/kakaologin/kakaologin/store/redis"
)

func ExampleOpen() {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	st, err := redis.Open(ctx, "rediss://:secret@cache.internal:6379/0", redis.WithPrefix("myapp:"))
	if errors.Is(err, store.ErrUnavailable) {
		log.Fatalf("redis down: %v", err) // names the address, never the password
	}
	if err != nil {
		log.Fatal(err)
	}
	defer st.Close()
}

func ExampleBackend() {
	// A Redis Cluster, given by two seed nodes, with the prefix in the URL.
	st, err := store.Open(context.Background(),
		"rediss://cache-1.internal:7000?cluster=true&addr=cache-2.internal:7000&prefix=myapp:",
		redis.Backend)
	if err != nil {
		log.Fatal(err)
	}
	defer st.Close()
}

func ExampleNew() {
	// An app that has its own client (here a Sentinel-managed one) passes
	// it in; Close leaves it open.
	client := goredis.NewFailoverClient(&goredis.FailoverOptions{
		MasterName:    "mymaster",
		SentinelAddrs: []string{"sentinel-1:26379", "sentinel-2:26379"},
		DialTimeout:   2 * time.Second,
		ReadTimeout:   2 * time.Second,
		WriteTimeout:  2 * time.Second,
	})
	defer client.Close()
	st, err := redis.New(client)
	if err != nil {
		log.Fatal(err)
	}
	if err := st.Ping(context.Background()); err != nil {
		log.Printf("redis not answering yet: %v", err)
	}
}
