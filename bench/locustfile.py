"""The soak's traffic (bench/soak.py runs it with Locust): signed-in browsers on the cookie API.

Each simulated user registers once, then loops without pause over a mix of
1 login : 10 refreshes : 86 authenticated reads : 3 writes (in 100 requests;
the reads and writes are the 89% of authenticated calls), keeping the newest
cookies like the page script. A login starts a new session on the same
account, abandoning the previous one as a second device would. Any answer
but the expected status is an error.
"""

import secrets

from locust import FastHttpUser, constant, task


class SignedInBrowser(FastHttpUser):
    wait_time = constant(0)

    def on_start(self) -> None:
        self.username = f"soak-{secrets.token_hex(6)}"
        self.password = f"soak-{secrets.token_urlsafe(16)}"
        self.my_posts: list[int] = []
        self.client.get("/api/auth/csrf/", name="csrf")
        self.post("/api/auth/register/", "register", 201, {"username": self.username, "password": self.password})

    def csrf(self) -> str:
        return next(cookie.value for cookie in self.client.cookiejar if cookie.name == "csrftoken")

    def post(self, path: str, name: str, expected: int, body: dict | None = None):
        headers = {"X-CSRFToken": self.csrf()}
        with self.client.post(path, json=body, headers=headers, name=name, catch_response=True) as response:
            if response.status_code != expected:
                response.failure(f"{response.status_code}: {response.text[:200]}")
            return response

    @task(1)
    def login(self) -> None:
        self.post("/api/auth/login/", "login", 200, {"username": self.username, "password": self.password})

    @task(10)
    def refresh(self) -> None:
        self.post("/api/auth/refresh/", "refresh", 200)

    @task(45)
    def me(self) -> None:
        self.client.get("/api/me/", name="me")

    @task(41)
    def posts(self) -> None:
        self.client.get("/api/posts/", name="posts")

    @task(2)
    def publish(self) -> None:
        response = self.post("/api/posts/", "publish", 201, {"title": "soak", "body": "x" * 200})
        if response.status_code == 201:
            self.my_posts.append(response.json()["id"])

    @task(1)
    def delete(self) -> None:
        if not self.my_posts:
            return self.me()
        headers = {"X-CSRFToken": self.csrf()}
        with self.client.delete(
            f"/api/posts/{self.my_posts.pop()}/", headers=headers, name="delete", catch_response=True
        ) as response:
            if response.status_code != 204:
                response.failure(f"{response.status_code}: {response.text[:200]}")
