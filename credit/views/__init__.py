"""HTML pages of the credit app: public QR pages, bureau pages, enterprise pages."""
