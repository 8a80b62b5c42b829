// An SQS consumer as written for AWS Lambda's Node.js runtime: each record's body is an order event; the ones that
// cannot be processed are reported back as batch item failures, so only they are delivered again (the function's
// event source mapping has ReportBatchItemFailures on). An ES module with an async handler.

export const handler = async (event, context) => {
  const batchItemFailures = [];
  let processed = 0;
  for (const record of event.Records ?? []) {
    try {
      const order = JSON.parse(record.body);
      if (!order.item || !(order.quantity > 0)) throw new Error('an order needs an item and a positive quantity');
      console.log(`order ${record.messageId}: ${order.quantity} x ${order.item}`);
      processed++;
    } catch (error) {
      console.error(`record ${record.messageId} failed: ${error.message}`);
      batchItemFailures.push({ itemIdentifier: record.messageId });
    }
  }
  console.log(`processed ${processed} of ${event.Records?.length ?? 0} in request ${context.awsRequestId}`);
  return { batchItemFailures };
};
