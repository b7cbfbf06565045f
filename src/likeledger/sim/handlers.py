"""Executor handlers for everything but likes: publishing, follows, blocks, accounts,
integrity flags, moderation, visibility and deletion.

Each handler emits its event only when the ledger would accept it (SEMANTICS.md section 3)
and it would do something; otherwise the intent is dropped, as a client would give up.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .state import ACTIVE, MODERATION_STATE

if TYPE_CHECKING:
    from .executor import Event, Executor, Intent


class Handlers:
    """Binds the non-like intent kinds to an :class:`Executor`."""

    def __init__(self, ex: Executor) -> None:
        self.ex, self.world, self.names = ex, ex.world, ex.names
        ex.handlers.update(
            publish=self.publish,
            follow=self.follow,
            unfollow=self.follow,
            block=self.block,
            unblock=self.block,
            status=self.status,
            reinstate=self.reinstate,
            flag_user=self.flag_user,
            clear_user=self.flag_user,
            flag_like=self.flag_like,
            clear_like=self.flag_like,
            moderation=self.moderation,
            visibility=self.visibility,
            delete_video=self.delete_video,
        )

    def _emit(self, intent: Intent, event: Event) -> None:
        self.ex.emit(intent.at, event)

    def _incident(self, intent: Intent, kind: str, **details: Any) -> None:
        self.world.truth.incident(kind, ts=intent.ts, **details)

    def publish(self, intent: Intent) -> None:
        w, v = self.world, intent.a
        c = w.creator[v]
        if w.published[v] or not w.active(c):
            return  # an inactive creator cannot publish: this video never appears
        event: Event = {"type": "video.published", "ts": intent.ts, "video": self.names.videos[v]}
        event.update(creator=self.names.users[c], visibility=intent.text)
        event["hashtags"] = self.names.hashtags[v]  # extra field: ignored by the ledger
        self._emit(intent, event)
        w.publish(v, intent.text)

    def follow(self, intent: Intent) -> None:
        w, a, b, on = self.world, intent.a, intent.b, intent.kind == "follow"
        if a == b or not (w.active(a) and w.usable(b)) or w.follows_(a, b) == on:
            return
        users = self.names.users
        self._emit(
            intent,
            {"type": intent.kind, "ts": intent.ts, "follower": users[a], "followee": users[b]},
        )
        w.follow(a, b, on=on)

    def block(self, intent: Intent) -> None:
        w, a, b, on = self.world, intent.a, intent.b, intent.kind == "block"
        if a == b or not (w.active(a) and w.usable(b)) or (a * w.nu + b in w.blocks) == on:
            return
        users = self.names.users
        self._emit(
            intent, {"type": intent.kind, "ts": intent.ts, "blocker": users[a], "blocked": users[b]}
        )
        w.block(a, b, ts=intent.ts, on=on)
        self._incident(intent, intent.kind, blocker=users[a], blocked=users[b])

    def status(self, intent: Intent) -> None:
        w, u, status = self.world, intent.a, intent.text
        if not w.usable(u) or w.status[u] == status:
            return
        self._set_status(intent, u, status)

    def reinstate(self, intent: Intent) -> None:
        """Back to active, but only from the status the return was planned for."""
        if self.world.status[intent.a] == intent.text:
            self._set_status(intent, intent.a, ACTIVE)

    def _set_status(self, intent: Intent, u: int, status: str) -> None:
        event: Event = {"type": "account.status", "ts": intent.ts, "user": self.names.users[u]}
        event["status"] = status
        if intent.note:
            event["reason"] = intent.note
        self._emit(intent, event)
        previous = self.world.status[u]
        self.world.set_status(u, status, ts=intent.ts)
        self._incident(intent, "account", user=self.names.users[u], status=status, was=previous)

    def flag_user(self, intent: Intent) -> None:
        w, u, on = self.world, intent.a, intent.kind == "flag_user"
        if not w.usable(u) or bool(w.flagged[u]) == on:
            return
        kind = "integrity.flag" if on else "integrity.clear"
        event: Event = {"type": kind, "ts": intent.ts, "user": self.names.users[u]}
        event["detector"] = intent.note
        if on:
            event["score"] = round(0.7 + 0.3 * self.ex.rng.random(), 3)
        self._emit(intent, event)
        w.flag_user(u, ts=intent.ts, on=on)
        self._incident(intent, kind, user=self.names.users[u])

    def flag_like(self, intent: Intent) -> None:
        w, u, v, on = self.world, intent.a, intent.b, intent.kind == "flag_like"
        bits = w.edges.get(u * w.nv + v, 0)
        if not (w.usable(u) and w.live(v)) or bool(bits & 2) == on or (on and not bits & 1):
            return
        kind = "integrity.flag" if on else "integrity.clear"
        user, video = self.names.users[u], self.names.videos[v]
        event: Event = {"type": kind, "ts": intent.ts, "user": user, "video": video}
        event["detector"] = intent.note
        self._emit(intent, event)
        w.flag_like(u, v, ts=intent.ts, on=on)
        self._incident(intent, kind, user=user, video=video)

    def moderation(self, intent: Intent) -> None:
        w, v, action = self.world, intent.a, intent.text
        if not w.live(v) or w.moderation[v] == MODERATION_STATE[action]:
            return
        event: Event = {"type": "moderation", "ts": intent.ts, "video": self.names.videos[v]}
        event["action"] = action
        if intent.note:
            event["policy"] = intent.note
        self._emit(intent, event)
        w.moderate(v, action, ts=intent.ts)
        creator = self.names.users[w.creator[v]]
        self._incident(intent, "moderation", video=event["video"], creator=creator, action=action)

    def visibility(self, intent: Intent) -> None:
        w, v = self.world, intent.a
        if not w.live(v) or w.visibility[v] == intent.text:
            return
        event: Event = {"type": "video.visibility", "ts": intent.ts, "video": self.names.videos[v]}
        event["visibility"] = intent.text
        self._emit(intent, event)
        w.set_visibility(v, intent.text)
        creator = self.names.users[w.creator[v]]
        self._incident(intent, "visibility", video=event["video"], creator=creator, to=intent.text)

    def delete_video(self, intent: Intent) -> None:
        w, v = self.world, intent.a
        if not w.live(v):
            return
        self._emit(
            intent, {"type": "video.deleted", "ts": intent.ts, "video": self.names.videos[v]}
        )
        w.delete_video(v, ts=intent.ts)
        creator = self.names.users[w.creator[v]]
        self._incident(intent, "video_deleted", video=self.names.videos[v], creator=creator)
