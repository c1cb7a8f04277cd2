"""A real PySpark word count, for spark-submit.json (needs a Spark installation: see
examples/README.md). spark-submit runs it with --master "$MASTER" (local[N]); the words of
the file given as the first argument are counted by N executor threads."""
import sys

from pyspark.sql import SparkSession

spark = SparkSession.builder.appName("pf-wordcount").getOrCreate()
lines = spark.sparkContext.textFile(sys.argv[1])
counts = lines.flatMap(str.split).map(lambda w: (w, 1)).reduceByKey(lambda a, b: a + b)
for word, n in counts.takeOrdered(5, key=lambda kv: -kv[1]):
    print("%s %d" % (word, n))
print("PF-RESULT {\"master\": \"%s\"}" % spark.sparkContext.master)
spark.stop()
