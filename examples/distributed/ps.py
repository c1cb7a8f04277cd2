"""Paddle parameter-server mode, for real: pservers hold the shards of a linear model's weights,
trainers pull the weights, compute gradients on their own data and push them back; each
pserver applies the trainers' mean gradient once all have pushed (synchronous SGD, Paddle's
sync PS mode), so the result does not depend on timing.

Run by every replica of a `framework: paddle` job with `pserver` and `worker` members:
    /usr/bin/python3 ps.py
It reads only what paddle-operator / PaddleCloudRoleMaker read (TRAINING_ROLE,
PADDLE_PSERVERS_IP_PORT_LIST, PADDLE_TRAINER_ENDPOINTS, PADDLE_TRAINERS_NUM, PADDLE_TRAINER_ID,
POD_IP + PADDLE_PORT) and checks they agree with each other and with PF_TASK_*.
"""
import random
import sys
import threading

from pfdist import (check, check_task_env, connect, endpoint_list, env, env_int, listen, recv,
                    report, send, wait_for_gate)

DIM = 8  # weights w[0..DIM); pserver k holds the indices i with i % len(pservers) == k
W_TRUE = [0.5 * (i + 1) * (-1) ** i for i in range(DIM)]
STEPS, LR, ROWS = 40, 1.0, 64


def common_checks():
    role, index, me = check_task_env()
    training_role = env("TRAINING_ROLE")
    check(training_role == env("PADDLE_TRAINING_ROLE"), "TRAINING_ROLE != PADDLE_TRAINING_ROLE")
    check(env("PF_JOB_MODE") == "PS", "PF_JOB_MODE is not PS")
    current = env("PADDLE_CURRENT_ENDPOINT")
    check(current == "%s:%s" % (env("POD_IP"), env("PADDLE_PORT")) == me,
          "PADDLE_CURRENT_ENDPOINT, POD_IP:PADDLE_PORT and PF_TASK_ENDPOINT differ")
    pservers = endpoint_list("PADDLE_PSERVERS_IP_PORT_LIST")
    trainers = endpoint_list("PADDLE_TRAINER_ENDPOINTS")
    check(pservers and pservers == endpoint_list("PADDLE_PSERVER_ENDPOINTS"), "pserver list")
    check(len(trainers) == env_int("PADDLE_TRAINERS_NUM"), "PADDLE_TRAINERS_NUM")
    check(not set(pservers) & set(trainers), "a pserver and a trainer share an endpoint")
    rank = env_int("PADDLE_TRAINER_ID")
    if training_role == "PSERVER":
        check(role in ("pserver", "master"), "TRAINING_ROLE=PSERVER for role %s" % role)
        check(pservers[rank] == current and env_int("PADDLE_PSERVER_ID") == rank,
              "PADDLE_PSERVER_ID/PADDLE_TRAINER_ID do not point at this pserver")
    else:
        check(training_role == "TRAINER" and role == "worker", "TRAINING_ROLE=%s" % training_role)
        check(trainers[rank] == current and rank == index, "PADDLE_TRAINER_ID")
    return training_role, rank, current, pservers, trainers


def pserver(rank, current, pservers, trainers):
    """Synchronous SGD, Paddle's sync PS mode: the update of step s is the average of the
    trainers' gradients for step s; a pull for step s waits until that update is applied."""
    shard = {i: 0.0 for i in range(DIM) if i % len(pservers) == rank}
    cond, finished = threading.Condition(), set()
    state = {"version": 0, "pushes": 0, "acc": {i: 0.0 for i in shard}, "count": 0}
    all_done = threading.Event()
    server = listen(current)

    def handle(conn, msg):
        if msg["op"] == "pull":
            cond.wait_for(lambda: state["version"] >= msg["step"])
            send(conn, {"w": {str(i): v for i, v in shard.items()}})
        elif msg["op"] == "push":
            check(msg["step"] == state["version"], "a push for step %d at step %d" % (
                msg["step"], state["version"]))
            for i, g in msg["grad"].items():
                state["acc"][int(i)] += g
            state["pushes"] += 1
            state["count"] += 1
            if state["count"] == len(trainers):  # everyone's gradient is in: apply the mean
                for i in shard:
                    shard[i] -= LR * state["acc"][i] / len(trainers)
                    state["acc"][i] = 0.0
                state["count"] = 0
                state["version"] += 1
                cond.notify_all()
            send(conn, {"ok": True})
        elif msg["op"] == "done":
            finished.add(msg["trainer"])
            last = len(finished) == len(trainers)
            if last:  # report before the last trainer hears back: once the trainers have
                # ended, the job is complete and the pservers are stopped
                report(role="pserver", rank=rank, endpoint=current, pservers=pservers,
                       trainers=trainers, shard=sorted(shard), steps=state["version"],
                       pushes=state["pushes"], finished=sorted(finished))
            send(conn, {"ok": True})
            if last:
                all_done.set()

    def serve(conn):
        with conn:
            while True:
                try:
                    msg = recv(conn)
                except ConnectionError:
                    return
                with cond:
                    handle(conn, msg)

    def accept_loop():
        while True:
            conn, _ = server.accept()
            threading.Thread(target=serve, args=(conn,), daemon=True).start()

    threading.Thread(target=accept_loop, daemon=True).start()
    print("pserver %d serving %s on %s" % (rank, sorted(shard), current), flush=True)
    check(all_done.wait(timeout=300), "trainers did not finish in time")


def trainer(rank, current, pservers, trainers):
    wait_for_gate()
    rnd = random.Random(rank)  # this trainer's own data; one model fits everyone's
    xs = [[rnd.uniform(-1, 1) for _ in range(DIM)] for _ in range(ROWS)]
    ys = [sum(a * b for a, b in zip(x, W_TRUE)) for x in xs]
    conns = [connect(ep) for ep in pservers]

    def pull(step):
        w = [0.0] * DIM
        for c in conns:
            send(c, {"op": "pull", "step": step})
            for i, v in recv(c)["w"].items():
                w[int(i)] = v
        return w

    def loss(w):
        return sum((sum(a * b for a, b in zip(x, w)) - y) ** 2 for x, y in zip(xs, ys)) / ROWS

    loss0 = loss(pull(0))
    for step in range(STEPS):
        w = pull(step)
        err = [sum(a * b for a, b in zip(x, w)) - y for x, y in zip(xs, ys)]
        grad = [sum(e * x[i] for e, x in zip(err, xs)) / ROWS for i in range(DIM)]
        for k, c in enumerate(conns):
            send(c, {"op": "push", "step": step,
                     "grad": {str(i): grad[i] for i in range(DIM) if i % len(pservers) == k}})
            recv(c)
    final = loss(pull(STEPS))
    print("trainer %d: loss %.6f -> %.3g after %d synchronous steps" % (rank, loss0, final, STEPS),
          flush=True)
    check(final < loss0 * 1e-6, "the model did not fit: loss %.6f -> %.6f" % (loss0, final))
    for c in conns:
        send(c, {"op": "done", "trainer": rank})
        recv(c)
        c.close()
    report(role="trainer", rank=rank, endpoint=current, pservers=pservers, trainers=trainers,
           loss0=loss0, loss=final)


def main():
    training_role, rank, current, pservers, trainers = common_checks()
    (pserver if training_role == "PSERVER" else trainer)(rank, current, pservers, trainers)
    return 0


if __name__ == "__main__":
    sys.exit(main())
