"""A Spark-style application without Spark: the driver splits a word count into partitions,
hands them to the executors that register with it, and reduces their results — the shape of
a SparkApplication, on the env the server gives a `framework: spark` job.

Run by the `driver` replica:  /usr/bin/python3 spark_driver.py
The executors run spark_executor.py and connect to SPARK_DRIVER_ENDPOINT. With a real Spark
installation the driver's command would instead be
    spark-submit --master "$MASTER" app.py          (MASTER = PF_SPARK_MASTER = local[N])
see examples/README.md.
"""
import collections
import re
import sys

from pfdist import check, check_task_env, env, env_int, listen, recv, report, send

TEXT = """the quick brown fox jumps over the lazy dog
a job service for ml and batch work runs the jobs of the team
every replica of a distributed job gets a port of its own
the driver splits the work and the executors count the words
spark runs the executors as threads of the driver in local mode""".splitlines() * 40


def checks():
    role, _, me = check_task_env()
    check(role == "driver", "spark_driver.py runs as the driver, not %s" % role)
    check(env("SPARK_DRIVER_ENDPOINT") == me, "SPARK_DRIVER_ENDPOINT is not this task's endpoint")
    instances = env_int("SPARK_EXECUTOR_INSTANCES")
    cores = env_int("SPARK_EXECUTOR_CORES") if instances else 0
    master = env("MASTER")
    check(master == env("PF_SPARK_MASTER"), "MASTER != PF_SPARK_MASTER")
    threads = instances * cores or env_int("SPARK_DRIVER_CORES")
    check(master == "local[%d]" % threads, "MASTER=%s, expected local[%d]" % (master, threads))
    check(re.fullmatch(r"\d+[kmg]", env("SPARK_DRIVER_MEMORY")), "SPARK_DRIVER_MEMORY")
    check(env("SPARK_LOCAL_IP") == "127.0.0.1", "SPARK_LOCAL_IP")
    return me, instances, master


def word_count(lines):
    return collections.Counter(w for line in lines for w in line.split())


def main():
    me, instances, master = checks()
    server = listen(me)
    executors = {}
    while len(executors) < instances:  # executors register themselves, as in Spark
        conn, _ = server.accept()
        hello = recv(conn)
        check(hello.get("op") == "register", "unexpected first message %r" % hello)
        executors[hello["executor"]] = conn
        print("driver: executor %s registered (%d/%d)" % (hello["executor"], len(executors),
                                                          instances), flush=True)
    total = collections.Counter()
    if not executors:
        total = word_count(TEXT)
    ids = sorted(executors)
    for k, ex in enumerate(ids):  # one partition per executor
        send(executors[ex], {"op": "task", "partition": k, "lines": TEXT[k::len(ids)]})
    per_executor = {}
    for ex in ids:
        result = recv(executors[ex])
        per_executor[str(ex)] = sum(result["counts"].values())
        total.update(result["counts"])
    check(total == word_count(TEXT), "the reduced word count is wrong")
    for ex in ids:  # the executors report before they answer: the job ends with the driver
        send(executors[ex], {"op": "stop"})
        check(recv(executors[ex]).get("op") == "bye", "executor %s did not say bye" % ex)
        executors[ex].close()
    top = total.most_common(3)
    print("driver: %s, %d words, top %s" % (master, sum(total.values()), top), flush=True)
    report(role="driver", master=master, executors=ids, words=sum(total.values()),
           per_executor=per_executor, top=top)
    return 0


if __name__ == "__main__":
    sys.exit(main())
