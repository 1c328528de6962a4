/**
 * A policy to start from. Its rules are a block list with one rule written out, so the next rule is another `- from:`
 * item under the same `ingress:` (a flow-style `ingress: []` invites a second `ingress:` key below it).
 */
export const NEW_POLICY = `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: new-policy
  namespace: default
spec:
  # The pods this policy applies to; {} is every pod of the namespace.
  podSelector: {}
  policyTypes:
    - Ingress
  # Each item is one rule; a connection is allowed when any rule admits it. No items: all ingress is denied.
  ingress:
    - from:
        - podSelector:
            matchLabels:
              app: client
      ports:
        - port: 80
          protocol: TCP
`;
